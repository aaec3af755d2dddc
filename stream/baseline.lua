-- Gather what the spike rule needs about one brand x window, in one command instead of dozens.
--
-- Only reads; the rule itself stays in Python (stream/alerts.py) where it is documented and tested.
--
-- KEYS: 1 window index zset, 2..1+K alerted markers (one per alert kind), then K open markers (one
--       per kind), then the baseline window hashes, newest first
-- ARGV: 1 K, 2 volume field, 3 negative field
-- Returns {first indexed window start or -1, K alerted flags, K open markers (JSON or ''), then
-- volume, negatives per baseline window}.

local kinds = tonumber(ARGV[1])
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local out = {tonumber(first[2]) or -1}
for i = 2, 1 + kinds do
  out[#out + 1] = redis.call('EXISTS', KEYS[i])
end
for i = 2 + kinds, 1 + 2 * kinds do
  out[#out + 1] = redis.call('GET', KEYS[i]) or ''
end
for i = 2 + 2 * kinds, #KEYS do
  local counts = redis.call('HMGET', KEYS[i], ARGV[2], ARGV[3])
  out[#out + 1] = tonumber(counts[1]) or 0
  out[#out + 1] = tonumber(counts[2]) or 0
end
return out
