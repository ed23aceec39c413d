-- No arguments. Lapses offers past their expiry and fires SLA timers that came due, at most
-- tick_batch of each; the second reply element says whether more are due.
local expired = redis.call('ZRANGEBYSCORE', K.offers(), '-inf', fmt(NOW), 'LIMIT', 0, P.tick_batch)
for _, id in ipairs(expired) do
  local c = load_contact(id)
  if c and c.state == 'offered' then
    end_offer(id, c, 'offer_timed_out')
  else
    redis.call('ZREM', K.offers(), id)
  end
end
local due = redis.call('ZRANGEBYSCORE', K.timers(), '-inf', fmt(NOW), 'LIMIT', 0, P.tick_batch)
for _, id in ipairs(due) do
  local c = load_contact(id)
  if c and c.state == 'queued' then
    fire(id, c)
  else
    redis.call('ZREM', K.timers(), id)
  end
end
dispatch()
local more = 0
if #expired == P.tick_batch or #due == P.tick_batch then more = 1 end
return reply('ok', more)
