-- Record an alert unless this window already raised one of this kind, or the brand already has an
-- open alert of this kind (a brand that stays high raises one alert, not one per window).
--
-- The markers and the stored alert go together in one step, so two workers that both see the spike
-- store (and publish) it once, and a crash cannot leave a marker without its alert.
--
-- KEYS: 1 alerted marker, 2 alerts zset, 3 open marker of brand x window length x kind,
--       4 resolved hash
-- ARGV: 1 marker TTL, 2 alert score (window start), 3 alert JSON, 4 alerts scored below this are
--       pruned, 5 alerts zset TTL, 6 1 = take part in the open/resolved lifecycle (0 when a rebuild
--       puts back alerts of the past), 7 alert id, 8 window start, 9 an open alert whose last high
--       window started before this is stale (the brand went quiet) and is resolved by the new one
-- Returns 1 when recorded, 0 when the window had already alerted or the brand's alert is still open.

if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
if ARGV[6] == '1' then
  local current = redis.call('GET', KEYS[3])
  if current then
    local open = cjson.decode(current)
    if tonumber(open['last']) >= tonumber(ARGV[9]) then
      if tonumber(ARGV[8]) > tonumber(open['last']) then
        open['last'] = tonumber(ARGV[8])
        redis.call('SET', KEYS[3], cjson.encode(open), 'KEEPTTL')
      end
      return 0
    end
    redis.call('HSET', KEYS[4], open['id'], 'stale')
    redis.call('EXPIRE', KEYS[4], ARGV[5])
  end
  redis.call('SET', KEYS[3], cjson.encode({id = ARGV[7], last = tonumber(ARGV[8])}), 'EX', ARGV[1])
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1
