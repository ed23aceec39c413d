-- No arguments. One consistent snapshot for the lead console: per lane its queue, depth and
-- oldest arrival; the SLA counters; per agent its hash and its contacts.
local lanes = {}
for _, lane in ipairs(redis.call('SMEMBERS', K.lanes())) do
  local key = K.lane(lane)
  local head = redis.call('ZRANGE', key, 0, 0)
  if head[1] then
    local arrived = redis.call('HGET', K.contact(head[1]), 'enqueued_at')
    lanes[#lanes + 1] = {string.match(lane, '^([^:]+)'), tostring(redis.call('ZCARD', key)), arrived}
  end
end
local agents = {}
for _, id in ipairs(redis.call('SMEMBERS', K.agents())) do
  agents[#agents + 1] = {id, redis.call('HGETALL', K.agent(id)), redis.call('SMEMBERS', K.work(id))}
end
return reply('ok', lanes, redis.call('HGETALL', K.sla()), agents)
