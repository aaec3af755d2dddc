-- Record an alert unless this window already raised one of this kind.
--
-- The marker and the stored alert go together in one step, so two workers that
-- both see the spike store (and publish) it once, and a crash cannot leave a
-- marker without its alert.
--
-- KEYS: 1 alerted marker, 2 alerts zset
-- ARGV: 1 marker TTL, 2 alert time (score), 3 alert JSON, 4 alerts older than this are pruned,
--       5 alerts zset TTL
-- Returns 1 when recorded, 0 when the window had already alerted.

if not redis.call('SET', KEYS[1], ARGV[2], 'NX', 'EX', ARGV[1]) then
  return 0
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1
