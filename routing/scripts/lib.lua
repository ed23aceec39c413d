-- Shared by every routing script: routing/lua.py prepends the key prelude (K.*) and this file to
-- each command script. One script call is one atomic step for all replicas; it returns
-- {status, events, ...}. Validation comes before any write, because Redis does not roll back a
-- script that fails half-way.
--
-- ARGV[1] is the caller's clock, ARGV[2] the policy as JSON; command arguments follow.

local NOW = tonumber(ARGV[1])
local P = cjson.decode(ARGV[2])
local EVENTS = {}
local QUIET = false

local CHANNELS = {'sms', 'voice', 'email', 'chat'}
local TIERS_OF = {
  senior = {'senior', 'lead'},
  any = {'senior', 'lead', 'rep'},
  lead = {'lead'},
  lead_first = {'lead', 'senior'},
  overflow = {'rep', 'senior', 'lead'},
}

local function fmt(t)
  return string.format('%.6f', t)
end

-- Events carry a sequence number from Redis, so consoles and tests can order the events of all
-- replicas.
local function emit(kind, ...)
  if QUIET then return end
  local seq = redis.call('INCR', K.seq())
  EVENTS[#EVENTS + 1] = {kind, tostring(seq), fmt(NOW), ...}
end

local function hgetall(key)
  local flat = redis.call('HGETALL', key)
  if #flat == 0 then return nil end
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

local function split(list)
  local out = {}
  for item in string.gmatch(list or '', '[^,]+') do out[#out + 1] = item end
  return out
end

local function is_skill_queue(queue)
  return queue ~= 'urgent' and queue ~= 'hostile'
end

local function target(queue)
  return tonumber(P.targets[queue])
end

local function first_audience(queue)
  if is_skill_queue(queue) then return 'skill' end
  return 'senior'
end

-- 0 urgent, 1 hostile or escalated, 2 the rest. Lower levels are dispatched first.
local function level(queue, audience)
  if queue == 'urgent' then return 0 end
  if queue == 'hostile' or audience == 'lead' or audience == 'lead_first' then return 1 end
  return 2
end

-- Added to the score of an unverified urgent contact: later than any arrival time (it is the
-- year 2286), so every verified urgent contact goes first, whenever it came.
local UNVERIFIED_AFTER = 1e10

-- Oldest first within urgent and hostile, except that in the urgent queue verified contacts go
-- before unverified ones (nobody knows who sent them, and anybody can send many), so a flood of
-- anonymous emergencies cannot bury a known customer's. In the skill queues the score is the
-- deadline (arrival + target): oldest first within a queue, and across queues a contact's
-- priority rises with its wait, so a long-waiting general enquiry beats a fresh outage report.
local function lane_score(c)
  local arrived = tonumber(c.enqueued_at)
  if c.queue == 'urgent' and c.verified == '0' then return arrived + UNVERIFIED_AFTER end
  if level(c.queue, c.aud) < 2 then return arrived end
  return arrived + target(c.queue)
end

local function next_timer(c)
  local since = tonumber(c.queued_at)
  if c.aud == 'senior' then return since + target(c.queue) end
  if c.aud == 'skill' then
    if c.warned == '1' then return since + target(c.queue) * P.overflow_factor end
    return since + target(c.queue)
  end
  if c.aud == 'lead' then return since + P.escalation_target end
  return nil
end

local function load_contact(id)
  return hgetall(K.contact(id))
end

local function load_agent(id)
  return hgetall(K.agent(id))
end

------------------------------------------------------------------------------ agents

-- Score in the free-agent indexes: least loaded first, then the one offered work longest ago.
local function agent_score(a)
  return string.format('%.0f', tonumber(a.load) * 1e13 + math.floor(tonumber(a.idle_since) * 1000))
end

local function unindex(id, a)
  if not a.tier then return end
  for _, ch in ipairs(CHANNELS) do
    redis.call('ZREM', K.free_by_tier(ch, a.tier), id)
    for _, skill in ipairs(split(a.skills)) do redis.call('ZREM', K.free_by_skill(ch, skill), id) end
  end
end

local function has_room(a, channel)
  return a.presence == 'available' and tonumber(a['load_' .. channel]) < tonumber(a['cap_' .. channel])
end

-- An agent is in the free index of a channel exactly while available with room on it.
local function reindex(id, a)
  local score = agent_score(a)
  local skills = split(a.skills)
  for _, ch in ipairs(CHANNELS) do
    if has_room(a, ch) then
      redis.call('ZADD', K.free_by_tier(ch, a.tier), score, id)
      for _, skill in ipairs(skills) do redis.call('ZADD', K.free_by_skill(ch, skill), score, id) end
    else
      redis.call('ZREM', K.free_by_tier(ch, a.tier), id)
      for _, skill in ipairs(skills) do redis.call('ZREM', K.free_by_skill(ch, skill), id) end
    end
  end
end

local function add_work(agent_id, a, contact_id, channel)
  local field = 'load_' .. channel
  a[field] = tostring(tonumber(a[field]) + 1)
  a.load = tostring(tonumber(a.load) + 1)
  a.idle_since = fmt(NOW)
  redis.call('HSET', K.agent(agent_id), field, a[field], 'load', a.load, 'idle_since', a.idle_since)
  redis.call('SADD', K.work(agent_id), contact_id)
  reindex(agent_id, a)
end

local function drop_work(agent_id, contact_id, channel)
  if redis.call('SREM', K.work(agent_id), contact_id) == 0 then return end
  local a = load_agent(agent_id)
  if not a then return end
  local field = 'load_' .. channel
  a[field] = tostring(tonumber(a[field]) - 1)
  a.load = tostring(tonumber(a.load) - 1)
  redis.call('HSET', K.agent(agent_id), field, a[field], 'load', a.load)
  if a.tier then reindex(agent_id, a) end
end

-- The agent is passed over for this contact until the cooldown ends.
local function bar(contact_id, agent_id)
  if agent_id == '' then return end
  redis.call('ZADD', K.skip(contact_id), fmt(NOW + P.reoffer_cooldown), agent_id)
end

------------------------------------------------------------------------------ lanes
-- A lane holds the waiting contacts of one queue, channel and audience, so that every contact
-- in a lane can be offered to the same agents and the head of a lane is its best candidate.

local function put_in_lane(id, c, reason)
  local lane = c.queue .. ':' .. c.channel .. ':' .. c.aud
  redis.call('ZADD', K.lane(lane), fmt(lane_score(c)), id)
  redis.call('SADD', K.lanes(), lane)
  c.state, c.agent, c.lane, c.expires = 'queued', '', lane, ''
  redis.call('HSET', K.contact(id), 'state', 'queued', 'agent', '', 'lane', lane, 'expires', '',
    'queue', c.queue, 'aud', c.aud, 'queued_at', c.queued_at, 'warned', c.warned)
  local due = next_timer(c)
  if due then
    redis.call('ZADD', K.timers(), fmt(due), id)
  else
    redis.call('ZREM', K.timers(), id)
  end
  emit('queued', 'contact', id, 'queue', c.queue, 'channel', c.channel, 'audience', c.aud,
    'reason', reason)
end

local function take_from_lane(id, c)
  if c.lane ~= '' then
    local key = K.lane(c.lane)
    redis.call('ZREM', key, id)
    if redis.call('EXISTS', key) == 0 then redis.call('SREM', K.lanes(), c.lane) end
    c.lane = ''
    redis.call('HSET', K.contact(id), 'lane', '')
  end
  redis.call('ZREM', K.timers(), id)
end

-- Moves a contact to another queue (or audience) as if it had just arrived there, keeping its
-- original arrival time for ordering.
local function requeue_as(id, c, queue, audience, reason)
  take_from_lane(id, c)
  c.queue, c.aud, c.queued_at, c.warned = queue, audience, fmt(NOW), '0'
  put_in_lane(id, c, reason)
end

------------------------------------------------------------------------------ SLA

-- Counted once per contact, in the queue it was in when first offered or first late.
local function count_sla(id, c, outcome)
  if c.sla ~= '' then return end
  c.sla = outcome
  redis.call('HSET', K.contact(id), 'sla', outcome)
  redis.call('HINCRBY', K.sla(), c.queue .. ':' .. outcome, 1)
end

local function breach(id, c)
  if c.sla ~= '' then return end
  count_sla(id, c, 'breached')
  emit('sla_breached', 'contact', id, 'queue', c.queue, 'target', fmt(target(c.queue)),
    'waited', fmt(NOW - tonumber(c.enqueued_at)))
end

------------------------------------------------------------------------------ offers

local function offer(id, c, agent_id, a)
  take_from_lane(id, c)
  local expires = NOW + P.offer_timeout
  c.state, c.agent, c.expires = 'offered', agent_id, fmt(expires)
  redis.call('HSET', K.contact(id), 'state', 'offered', 'agent', agent_id, 'expires', c.expires)
  redis.call('ZADD', K.offers(), c.expires, id)
  if NOW - tonumber(c.queued_at) <= target(c.queue) then
    count_sla(id, c, 'met')
  else
    breach(id, c)
  end
  add_work(agent_id, a, id, c.channel)
  emit('offered', 'contact', id, 'agent', agent_id, 'queue', c.queue, 'channel', c.channel,
    'expires', c.expires)
end

-- Ends a pending offer without an assignment (kind: declined, offer_timed_out or
-- offer_revoked); the contact goes back to its lane. An agent who declined or let the offer
-- lapse is passed over for a while; one whose offer was revoked is not.
local function end_offer(id, c, kind, reason)
  local agent_id = c.agent
  redis.call('ZREM', K.offers(), id)
  drop_work(agent_id, id, c.channel)
  if kind == 'offer_revoked' then
    emit(kind, 'contact', id, 'agent', agent_id, 'reason', reason)
  else
    bar(id, agent_id)
    emit(kind, 'contact', id, 'agent', agent_id)
  end
  put_in_lane(id, c, kind)
end

-- Takes an assigned contact back from its agent without completing it.
local function release(id, c, reason)
  local agent_id = c.agent
  drop_work(agent_id, id, c.channel)
  c.agent = ''
  emit('released', 'contact', id, 'agent', agent_id, 'reason', reason)
  return agent_id
end

local function forget(id)
  redis.call('ZREM', K.offers(), id)
  redis.call('ZREM', K.timers(), id)
  redis.call('DEL', K.contact(id), K.skip(id))
end

------------------------------------------------------------------------------ dispatch

local function pool(channel, queue, audience)
  if audience == 'skill' then return {K.free_by_skill(channel, queue)} end
  local keys = {}
  for i, tier in ipairs(TIERS_OF[audience]) do keys[i] = K.free_by_tier(channel, tier) end
  return keys
end

local function pool_open(keys)
  for _, key in ipairs(keys) do
    if redis.call('EXISTS', key) == 1 then return true end
  end
  return false
end

local function pick_agent(contact_id, keys)
  local skip = K.skip(contact_id)
  local check = redis.call('EXISTS', skip) == 1
  for _, key in ipairs(keys) do
    for _, agent_id in ipairs(redis.call('ZRANGE', key, 0, P.agent_scan - 1)) do
      if not check then return agent_id end
      local barred = redis.call('ZSCORE', skip, agent_id)
      if not barred or tonumber(barred) <= NOW then return agent_id end
    end
  end
  return nil
end

-- Matches waiting contacts to free agents, level by level (urgent, hostile, the rest); within a
-- level the heads of all lanes whose agent pool is not empty are tried in score order, each
-- going to the first agent of its pool (tier preference, then least loaded, then longest idle).
-- Bounded by lane_scan contacts per lane and max_offers per call.
local function dispatch()
  local made = 0
  local lanes = redis.call('SMEMBERS', K.lanes())
  for lvl = 0, 2 do
    local progress = true
    while progress and made < P.max_offers do
      progress = false
      local candidates = {}
      for _, lane in ipairs(lanes) do
        local queue, channel, audience = string.match(lane, '^([^:]+):([^:]+):([^:]+)$')
        if level(queue, audience) == lvl then
          local keys = pool(channel, queue, audience)
          if pool_open(keys) then
            local items = redis.call('ZRANGE', K.lane(lane), 0, P.lane_scan - 1, 'WITHSCORES')
            for i = 1, #items, 2 do
              candidates[#candidates + 1] = {id = items[i], score = tonumber(items[i + 1]), keys = keys}
            end
          end
        end
      end
      table.sort(candidates, function(x, y)
        if x.score ~= y.score then return x.score < y.score end
        return x.id < y.id
      end)
      for _, cand in ipairs(candidates) do
        if made >= P.max_offers then break end
        local agent_id = pick_agent(cand.id, cand.keys)
        if agent_id then
          local c = load_contact(cand.id)
          local a = load_agent(agent_id)
          if has_room(a, c.channel) then
            offer(cand.id, c, agent_id, a)
            made = made + 1
            progress = true
          else
            reindex(agent_id, a)
          end
        end
      end
    end
  end
  return made
end

------------------------------------------------------------------------------ presence

-- Applies an agent's presence: anything but available gives back pending offers; offline also
-- gives back assigned contacts, which would otherwise wait on nobody.
local function apply_presence(agent_id, a)
  if a.presence ~= 'available' then
    for _, contact_id in ipairs(redis.call('SMEMBERS', K.work(agent_id))) do
      local c = load_contact(contact_id)
      if not c then
        redis.call('SREM', K.work(agent_id), contact_id)
      elseif c.state == 'offered' then
        end_offer(contact_id, c, 'offer_revoked', 'agent_unavailable')
      elseif c.state == 'assigned' and a.presence == 'offline' then
        release(contact_id, c, 'agent_offline')
        put_in_lane(contact_id, c, 'released')
      end
    end
    a = load_agent(agent_id)
  end
  reindex(agent_id, a)
end

-- Creates or updates an agent. Load is kept: it belongs to the contacts routing holds.
local function upsert_agent(id, tier, skills, presence, capacities)
  local old = load_agent(id)
  local a = {tier = tier, skills = skills, presence = presence}
  for i, ch in ipairs(CHANNELS) do
    a['cap_' .. ch] = capacities[i]
    a['load_' .. ch] = (old and old['load_' .. ch]) or '0'
  end
  a.load = (old and old.load) or '0'
  a.idle_since = (old and old.idle_since) or fmt(NOW)
  if presence == 'available' and old and old.presence ~= 'available' then a.idle_since = fmt(NOW) end
  if old then unindex(id, old) end
  local flat = {}
  for field, value in pairs(a) do
    flat[#flat + 1] = field
    flat[#flat + 1] = value
  end
  redis.call('HSET', K.agent(id), unpack(flat))
  redis.call('SADD', K.agents(), id)
  apply_presence(id, a)
end

-- Widens who may take a contact whose timer came due, or first reports the breach of a skill
-- queue's target.
local function fire(id, c)
  if c.aud == 'skill' and c.warned ~= '1' then
    breach(id, c)
    c.warned = '1'
    redis.call('HSET', K.contact(id), 'warned', '1')
    redis.call('ZADD', K.timers(), fmt(next_timer(c)), id)
    return
  end
  local widened, reason
  if c.aud == 'senior' then
    breach(id, c)
    if c.queue == 'urgent' then
      widened, reason = 'any', 'urgent_unanswered'
    else
      widened, reason = 'lead_first', 'hostile_unanswered'
    end
    emit('escalated', 'contact', id, 'reason', reason, 'agent', '')
    emit('lead_alerted', 'contact', id, 'reason', reason, 'agent', '')
  elseif c.aud == 'skill' then
    widened = 'overflow'
  elseif c.aud == 'lead' then
    widened, reason = 'lead_first', 'escalation_unanswered'
    emit('lead_alerted', 'contact', id, 'reason', reason, 'agent', '')
  else
    redis.call('ZREM', K.timers(), id)
    return
  end
  take_from_lane(id, c)
  c.aud = widened
  put_in_lane(id, c, 'widened')
end

local function reply(status, ...)
  return {status, EVENTS, ...}
end
