-- ARGV: agent id, presence.
local id, presence = ARGV[3], ARGV[4]
local a = load_agent(id)
if not a or not a.tier then return reply('unknown_agent') end
if a.presence ~= presence then
  if presence == 'available' then a.idle_since = fmt(NOW) end
  a.presence = presence
  redis.call('HSET', K.agent(id), 'presence', presence, 'idle_since', a.idle_since)
  apply_presence(id, a)
  dispatch()
end
return reply('ok')
