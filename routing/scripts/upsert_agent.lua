-- ARGV: agent id, tier, skills (comma-separated), presence, capacity per channel in the order
-- sms, voice, email, chat.
upsert_agent(ARGV[3], ARGV[4], ARGV[5], ARGV[6], {ARGV[7], ARGV[8], ARGV[9], ARGV[10]})
dispatch()
return reply('ok')
