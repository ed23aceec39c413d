-- ARGV: contact id. The customer left or the case closed: routing forgets the contact wherever
-- it is. Withdrawing an unknown contact is not an error, so the gateway may always call it.
local id = ARGV[3]
local c = load_contact(id)
if not c then return reply('ok') end
if c.state == 'queued' then
  take_from_lane(id, c)
elseif c.state == 'offered' then
  redis.call('ZREM', K.offers(), id)
  drop_work(c.agent, id, c.channel)
  emit('offer_revoked', 'contact', id, 'agent', c.agent, 'reason', 'withdrawn')
else
  release(id, c, 'withdrawn')
end
forget(id)
emit('withdrawn', 'contact', id)
dispatch()
return reply('ok')
