-- ARGV: contact id, 'urgent' or 'hostile'. The conversation turned urgent or hostile: it is
-- escalated live. A waiting contact moves to the urgent or hostile queue; an offer to a plain rep
-- is taken back; an assignee who is a plain rep keeps the contact while the leads are alerted.
local id, kind = ARGV[3], ARGV[4]
local c = load_contact(id)
if not c then return reply('unknown_contact') end
local queue = kind
if c.queue == 'urgent' then queue = 'urgent' end
-- Once is enough; but a contact a lead transferred out of that queue since may turn again.
if c[kind] == '1' and c.queue == queue then return reply('ok') end
c[kind] = '1'
redis.call('HSET', K.contact(id), kind, '1')
local reason = 'turned_' .. kind
emit('escalated', 'contact', id, 'reason', reason, 'agent', c.agent)
local holder = (c.agent ~= '' and load_agent(c.agent)) or nil
local plain_rep = holder ~= nil and holder.tier == 'rep'
if queue ~= c.queue then
  if c.state == 'queued' then
    requeue_as(id, c, queue, 'senior', 'reclassified')
  else
    c.queue, c.aud, c.queued_at, c.warned = queue, 'senior', fmt(NOW), '0'
    redis.call('HSET', K.contact(id), 'queue', queue, 'aud', 'senior', 'queued_at', c.queued_at,
      'warned', '0')
    if c.state == 'offered' and plain_rep then end_offer(id, c, 'offer_revoked', 'reclassified') end
  end
end
if c.state == 'assigned' and plain_rep then
  emit('lead_alerted', 'contact', id, 'reason', reason, 'agent', c.agent)
end
dispatch()
return reply('ok')
