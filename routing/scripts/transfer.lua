-- ARGV: contact id, by agent ('' for a lead acting on the queue), to queue, to agent (one of the
-- two is ''). A contact is transferred by its assignee, or by a lead while it waits.
local id, by, to_queue, to_agent = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local c = load_contact(id)
if not c then return reply('unknown_contact') end
if c.state == 'offered' or (by ~= '' and (c.state ~= 'assigned' or c.agent ~= by)) then
  return reply('not_assigned')
end
local receiver
if to_agent ~= '' then
  receiver = load_agent(to_agent)
  if not receiver or not receiver.tier then return reply('unknown_agent') end
  if to_agent == c.agent or not has_room(receiver, c.channel) then
    return reply('agent_unavailable')
  end
end
local from = ''
if c.state == 'assigned' then
  from = release(id, c, 'transferred')
else
  take_from_lane(id, c)
end
emit('transferred', 'contact', id, 'from', from, 'to_queue', to_queue, 'to_agent', to_agent)
if to_agent ~= '' then
  offer(id, c, to_agent, receiver)
else
  bar(id, from)
  if is_skill_queue(to_queue) then
    c.skill = to_queue
    redis.call('HSET', K.contact(id), 'skill', to_queue)
  end
  requeue_as(id, c, to_queue, first_audience(to_queue), 'transferred')
end
dispatch()
return reply('ok')
