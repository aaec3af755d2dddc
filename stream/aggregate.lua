-- Count a batch of verdicts into one brand x window, each post id once.
--
-- Atomic so that two workers (or a redelivery racing the original) can never both
-- see a post as new: the seen-set add and the increments happen in one step.
-- Field names come from Python (sentimon.redis_layout) so the reader and this
-- writer cannot drift apart.
--
-- KEYS: 1 aggregate hash, 2 seen set, 3 window index zset, 4 brands set, 5 recent list
-- ARGV: 1 brand, 2 window start, 3 window TTL, 4 seen-set TTL, 5 brand-level TTL,
--       6 recent cap (0 = this window does not own the recent list),
--       7 index entries below this start are pruned,
--       8 score field, 9 volume field, 10 negative field,
--       then two per verdict: JSON [post id, score as text, [counter fields]], verdict JSON for
--       the recent list (empty when this window does not own it).
--       One JSON argument instead of one per field: packing arguments is the client's main cost.
-- Returns {newly counted, window volume, window negatives}.

local score_field, volume_field, negative_field = ARGV[8], ARGV[9], ARGV[10]
local recent_cap = tonumber(ARGV[6])
local counted = 0
for i = 11, #ARGV, 2 do
  local item = cjson.decode(ARGV[i])
  if redis.call('SADD', KEYS[2], item[1]) == 1 then
    counted = counted + 1
    redis.call('HINCRBYFLOAT', KEYS[1], score_field, item[2])
    for _, field in ipairs(item[3]) do
      redis.call('HINCRBY', KEYS[1], field, 1)
    end
    if recent_cap > 0 then
      redis.call('LPUSH', KEYS[5], ARGV[i + 1])
    end
  end
end

if counted > 0 then
  local window_ttl, brand_ttl = tonumber(ARGV[3]), tonumber(ARGV[5])
  redis.call('EXPIRE', KEYS[1], window_ttl)
  redis.call('EXPIRE', KEYS[2], ARGV[4])
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[7])
  redis.call('EXPIRE', KEYS[3], window_ttl)
  redis.call('SADD', KEYS[4], ARGV[1])
  redis.call('EXPIRE', KEYS[4], brand_ttl)
  if recent_cap > 0 then
    redis.call('LTRIM', KEYS[5], 0, recent_cap - 1)
    redis.call('EXPIRE', KEYS[5], brand_ttl)
  end
end

local totals = redis.call('HMGET', KEYS[1], volume_field, negative_field)
return {counted, tonumber(totals[1]) or 0, tonumber(totals[2]) or 0}
