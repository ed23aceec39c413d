-- ARGV: contact id, agent id. A decline that arrives after the offer lapsed counts as the lapse.
local id, agent_id = ARGV[3], ARGV[4]
local c = load_contact(id)
if not c then return reply('unknown_contact') end
if c.state ~= 'offered' or c.agent ~= agent_id then return reply('not_offered') end
if NOW >= tonumber(c.expires) then
  end_offer(id, c, 'offer_timed_out')
else
  end_offer(id, c, 'declined')
end
dispatch()
return reply('ok')
