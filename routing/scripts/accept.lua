-- ARGV: contact id, agent id. An offer is good until just before it expires. Accepting again
-- what the agent already holds is not refused: the first answer may have been lost on its way,
-- so the acceptance is reported again.
local id, agent_id = ARGV[3], ARGV[4]
local c = load_contact(id)
if not c then return reply('unknown_contact') end
if c.state == 'assigned' and c.agent == agent_id then
  emit('accepted', 'contact', id, 'agent', agent_id)
  return reply('ok')
end
if c.state ~= 'offered' or c.agent ~= agent_id then return reply('not_offered') end
if NOW >= tonumber(c.expires) then
  end_offer(id, c, 'offer_timed_out')
  dispatch()
  return reply('not_offered')
end
redis.call('ZREM', K.offers(), id)
redis.call('HSET', K.contact(id), 'state', 'assigned', 'expires', '')
emit('accepted', 'contact', id, 'agent', agent_id)
return reply('ok')
