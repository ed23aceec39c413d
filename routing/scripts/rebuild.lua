-- ARGV: 'contacts' followed by (id, channel, skill, queue, enqueued_at, urgent, hostile,
-- verified, assignee, audience) per contact, or 'agents' followed by (id, tier, skills, presence,
-- four capacities) per agent. An empty audience is the queue's first one. Contacts routing already
-- holds are left alone, so rebuilding twice changes nothing.
-- Contacts go first: an assignment raises its agent's load before the agent becomes free.
QUIET = true
local created = 0
if ARGV[3] == 'contacts' then
  for i = 4, #ARGV, 10 do
    local id = ARGV[i]
    if redis.call('EXISTS', K.contact(id)) == 0 then
      created = created + 1
      local c = {
        channel = ARGV[i + 1], skill = ARGV[i + 2], queue = ARGV[i + 3], enqueued_at = ARGV[i + 4],
        urgent = ARGV[i + 5], hostile = ARGV[i + 6], verified = ARGV[i + 7],
        queued_at = ARGV[i + 4], warned = '0', sla = '', lane = '',
      }
      c.aud = ARGV[i + 9]
      if c.aud == '' then c.aud = first_audience(c.queue) end
      local assignee = ARGV[i + 8]
      redis.call('HSET', K.contact(id), 'channel', c.channel, 'skill', c.skill, 'urgent', c.urgent,
        'hostile', c.hostile, 'verified', c.verified, 'enqueued_at', c.enqueued_at)
      if assignee == '' then
        redis.call('HSET', K.contact(id), 'sla', '')
        put_in_lane(id, c, 'rebuilt')
      else
        -- Whether it met its target was counted before the loss; do not count it again.
        redis.call('HSET', K.contact(id), 'sla', 'unknown', 'state', 'assigned', 'agent', assignee,
          'queue', c.queue, 'aud', c.aud, 'queued_at', c.queued_at, 'warned', '0', 'lane', '',
          'expires', '')
        redis.call('HINCRBY', K.agent(assignee), 'load_' .. c.channel, 1)
        redis.call('HINCRBY', K.agent(assignee), 'load', 1)
        redis.call('SADD', K.work(assignee), id)
      end
    end
  end
else
  for i = 4, #ARGV, 8 do
    upsert_agent(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3],
      {ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]})
  end
end
return reply('ok', created)
