-- The shared store's every step, run atomically inside Redis (mod.rs).
--
-- ARGV[1] names the step, ARGV[2] is the key prefix, the rest are the
-- step's own. Keys are built here from the prefix, so this needs one
-- Redis (or Valkey), not a cluster.
--
--   <p>cfg              hash: offset_ms (the mock clock's offset),
--                       replicas (numbered so far), id_key0/1
--   <p>deadlines        sorted set: session tag -> deadline (mock clock, ms)
--   <p>stats            hash: objects, bytes (over all sessions)
--   <p>s:<tag>          hash: n (objects), bytes, seen (ms)
--   <p>o:<tag>          hash: object ID -> record (see below)
--   <p>l:<tag>          list: object IDs in the order creations took effect
--
-- A tag is "<key fingerprint>:<session ID>". A record is one letter for
-- the kind, '0' or '1' for degraded, the creation time in ms, a space and
-- the object's JSON.
--
-- Time is Redis's own clock plus the shared offset, so every replica reads
-- one clock and `/__admin/clock/advance` moves it for all of them.

local op, P = ARGV[1], ARGV[2]
local CFG, DEADLINES, STATS = P .. 'cfg', P .. 'deadlines', P .. 'stats'

local function int(x) return string.format('%.0f', x) end
local function meta(tag) return P .. 's:' .. tag end
local function objects(tag) return P .. 'o:' .. tag end
local function log(tag) return P .. 'l:' .. tag end

local function clock()
  local t = redis.call('TIME')
  local offset = tonumber(redis.call('HGET', CFG, 'offset_ms') or '0')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + offset
end

local function purge(tag)
  local v = redis.call('HMGET', meta(tag), 'bytes', 'n')
  local bytes, n = tonumber(v[1]) or 0, tonumber(v[2]) or 0
  if bytes ~= 0 then redis.call('HINCRBY', STATS, 'bytes', -bytes) end
  if n ~= 0 then redis.call('HINCRBY', STATS, 'objects', -n) end
  redis.call('DEL', meta(tag), objects(tag), log(tag))
  redis.call('ZREM', DEADLINES, tag)
end

local function sweep(now, batch)
  local due = redis.call('ZRANGEBYSCORE', DEADLINES, '-inf', int(now), 'LIMIT', 0, batch)
  for _, tag in ipairs(due) do purge(tag) end
  return #due
end

-- Whether the session is live; an expired one is removed.
local function live(tag, now)
  local deadline = redis.call('ZSCORE', DEADLINES, tag)
  if not deadline then return nil end
  if tonumber(deadline) <= now then
    purge(tag)
    return nil
  end
  return true
end

local function renew(tag, now, ttl)
  redis.call('HSET', meta(tag), 'seen', int(now))
  redis.call('ZADD', DEADLINES, int(now + ttl), tag)
end

-- Makes the session live, begun if new (SESS-002), and renews it
-- (SESS-007); false when a new one would pass max_sessions.
local function session(tag, now, ttl, max_sessions)
  if not live(tag, now) then
    if redis.call('ZCARD', DEADLINES) >= max_sessions then
      sweep(now, 64)
      if redis.call('ZCARD', DEADLINES) >= max_sessions then return false end
    end
    redis.call('HSET', meta(tag), 'n', 0, 'bytes', 0)
  end
  renew(tag, now, ttl)
  return true
end

-- init, id_key0, id_key1 -> {id_key0, id_key1, replica number}
if op == 'init' then
  redis.call('HSETNX', CFG, 'id_key0', ARGV[3])
  redis.call('HSETNX', CFG, 'id_key1', ARGV[4])
  local keys = redis.call('HMGET', CFG, 'id_key0', 'id_key1')
  return {keys[1], keys[2], redis.call('HINCRBY', CFG, 'replicas', 1)}
end

local now = clock()

-- fetch, tag, ttl, max_sessions, id... -> {'ok', n, head...} | {'sessions'}
-- A head is the record's first two letters (kind, degraded), '' if none.
if op == 'fetch' then
  local tag = ARGV[3]
  if not session(tag, now, tonumber(ARGV[4]), tonumber(ARGV[5])) then return {'sessions'} end
  local out = {'ok', redis.call('HGET', meta(tag), 'n')}
  for i = 6, #ARGV do
    local record = redis.call('HGET', objects(tag), ARGV[i])
    out[#out + 1] = record and string.sub(record, 1, 2) or ''
  end
  return out
end

-- commit, tag, ttl, max_sessions, max_objects, max_session_bytes,
-- max_store_bytes, expected n or '', id, head, json, then (id, head) pairs
-- the build relied on -> {'ok'} | {'conflict'} | {'<limit passed>'}
-- A conflict: the session is not as the build saw it (it expired and began
-- again, or under ID-002's deviation another object took the position).
if op == 'commit' then
  local tag = ARGV[3]
  if not session(tag, now, tonumber(ARGV[4]), tonumber(ARGV[5])) then return {'sessions'} end
  for i = 13, #ARGV, 2 do
    local record = redis.call('HGET', objects(tag), ARGV[i])
    if (record and string.sub(record, 1, 2) or '') ~= ARGV[i + 1] then return {'conflict'} end
  end
  local m = redis.call('HMGET', meta(tag), 'n', 'bytes')
  local n, bytes = tonumber(m[1]), tonumber(m[2])
  if ARGV[9] ~= '' and tonumber(ARGV[9]) ~= n then return {'conflict'} end
  if n >= tonumber(ARGV[6]) then return {'objects'} end
  local json = ARGV[12]
  local size = #json
  if bytes + size > tonumber(ARGV[7]) then return {'session_bytes'} end
  local held = tonumber(redis.call('HGET', STATS, 'bytes') or '0')
  if held + size > tonumber(ARGV[8]) then return {'store_bytes'} end
  redis.call('HSET', objects(tag), ARGV[10], ARGV[11] .. int(now) .. ' ' .. json)
  redis.call('RPUSH', log(tag), ARGV[10])
  redis.call('HSET', meta(tag), 'n', n + 1, 'bytes', bytes + size)
  redis.call('HINCRBY', STATS, 'bytes', size)
  redis.call('HINCRBY', STATS, 'objects', 1)
  return {'ok'}
end

-- log, tag, ttl or '' (not renewed) -> nil | {id, record, id, record...}
if op == 'log' then
  local tag = ARGV[3]
  if not live(tag, now) then return false end
  if ARGV[4] ~= '' then renew(tag, now, tonumber(ARGV[4])) end
  local ids = redis.call('LRANGE', log(tag), 0, -1)
  local out = {}
  -- HMGET in slices: Lua's unpack has a bounded stack.
  for first = 1, #ids, 512 do
    local slice = {}
    for i = first, math.min(first + 511, #ids) do slice[#slice + 1] = ids[i] end
    local records = redis.call('HMGET', objects(tag), unpack(slice))
    for i = 1, #slice do
      out[#out + 1] = slice[i]
      out[#out + 1] = records[i] or ''
    end
  end
  return out
end

-- exists, tag -> 1 | 0
if op == 'exists' then
  if live(ARGV[3], now) then return 1 end
  return 0
end

-- sweep, batch -> sessions removed
if op == 'sweep' then return sweep(now, tonumber(ARGV[3])) end

-- reset -> sessions removed
if op == 'reset' then
  local all = redis.call('ZRANGE', DEADLINES, 0, -1)
  for _, tag in ipairs(all) do purge(tag) end
  return #all
end

-- stats -> {sessions, objects}
if op == 'stats' then
  return {redis.call('ZCARD', DEADLINES), tonumber(redis.call('HGET', STATS, 'objects') or '0')}
end

-- advance, ms -> {offset_ms, now}
if op == 'advance' then
  local offset = redis.call('HINCRBY', CFG, 'offset_ms', ARGV[3])
  return {offset, int(now + tonumber(ARGV[3]))}
end

-- sessions, limit -> {now, tag, deadline, n, seen, ...}, latest deadline first
if op == 'sessions' then
  local out = {int(now)}
  local listed = redis.call('ZREVRANGEBYSCORE', DEADLINES, '+inf', '(' .. int(now),
    'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[3]))
  for i = 1, #listed, 2 do
    local m = redis.call('HMGET', meta(listed[i]), 'n', 'seen')
    out[#out + 1] = listed[i]
    out[#out + 1] = listed[i + 1]
    out[#out + 1] = m[1] or '0'
    out[#out + 1] = m[2] or int(now)
  end
  return out
end

return redis.error_reply('unknown step ' .. tostring(op))
