-- ARGV: contact id, by agent ('' for a lead acting on the queue). The contact leaves its agent
-- and waits for a lead; the escalating agent is passed over for it.
local id, by = ARGV[3], ARGV[4]
local c = load_contact(id)
if not c then return reply('unknown_contact') end
if c.state == 'offered' or (by ~= '' and (c.state ~= 'assigned' or c.agent ~= by)) then
  return reply('not_assigned')
end
local from = ''
if c.state == 'assigned' then
  from = release(id, c, 'escalated')
  bar(id, from)
end
emit('escalated', 'contact', id, 'reason', 'requested', 'agent', from)
requeue_as(id, c, c.queue, 'lead', 'escalated')
dispatch()
return reply('ok')
