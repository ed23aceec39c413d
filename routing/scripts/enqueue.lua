-- ARGV: id, channel, skill, queue, enqueued_at, urgent, hostile, verified.
-- Enqueueing a contact routing already holds changes nothing, so a retried intake is harmless.
local id = ARGV[3]
if redis.call('EXISTS', K.contact(id)) == 1 then return reply('exists') end
local c = {
  channel = ARGV[4], skill = ARGV[5], queue = ARGV[6], enqueued_at = ARGV[7],
  urgent = ARGV[8], hostile = ARGV[9], verified = ARGV[10], queued_at = ARGV[7], warned = '0',
  sla = '', lane = '',
}
c.aud = first_audience(c.queue)
redis.call('HSET', K.contact(id), 'channel', c.channel, 'skill', c.skill, 'urgent', c.urgent,
  'hostile', c.hostile, 'verified', c.verified, 'enqueued_at', c.enqueued_at, 'sla', '')
put_in_lane(id, c, 'new')
dispatch()
return reply('ok')
