-- Resolve a brand's open alert: its share (or volume) is back within the baseline band.
--
-- Compare-and-delete, so that a worker holding an old view cannot resolve an alert that another
-- worker has opened since.
--
-- KEYS: 1 open marker, 2 resolved hash
-- ARGV: 1 the open marker's value as read, 2 alert id, 3 when (start of the calm window, ISO 8601),
--       4 TTL of the resolved hash (the alerts' own)
-- Returns 1 when resolved here, 0 when the marker had changed.

if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
