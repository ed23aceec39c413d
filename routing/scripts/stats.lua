-- No arguments. One consistent snapshot for the lead console: per lane its queue, depth and
-- oldest arrival; the SLA counters; per agent its hash and its contacts.
local function arrival(id)
  return tonumber(redis.call('HGET', K.contact(id), 'enqueued_at'))
end

local lanes = {}
for _, lane in ipairs(redis.call('SMEMBERS', K.lanes())) do
  local key = K.lane(lane)
  local head = redis.call('ZRANGE', key, 0, 0)
  if head[1] then
    -- In an urgent lane the oldest may wait behind younger verified contacts.
    local arrived = arrival(head[1])
    local unverified = redis.call('ZRANGEBYSCORE', key, UNVERIFIED_AFTER, '+inf', 'LIMIT', 0, 1)
    if unverified[1] then arrived = math.min(arrived, arrival(unverified[1])) end
    lanes[#lanes + 1] = {string.match(lane, '^([^:]+)'), tostring(redis.call('ZCARD', key)),
      fmt(arrived)}
  end
end
local agents = {}
for _, id in ipairs(redis.call('SMEMBERS', K.agents())) do
  agents[#agents + 1] = {id, redis.call('HGETALL', K.agent(id)), redis.call('SMEMBERS', K.work(id))}
end
return reply('ok', lanes, redis.call('HGETALL', K.sla()), agents)
