-- ARGV: contact id, agent id.
local id, agent_id = ARGV[3], ARGV[4]
local c = load_contact(id)
if not c then return reply('unknown_contact') end
if c.state ~= 'assigned' or c.agent ~= agent_id then return reply('not_assigned') end
drop_work(agent_id, id, c.channel)
forget(id)
emit('completed', 'contact', id, 'agent', agent_id)
dispatch()
return reply('ok')
