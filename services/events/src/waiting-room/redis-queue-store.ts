import type { Cache } from '@ticketing/cache';
import type { QueuePlace, QueueStore } from './queue-store.ts';

/*
 * The queue of one event in Redis, every step one atomic Lua script. Keys share the hash tag
 * {eventId} (one Cluster slot):
 *   q      sorted set  user → score: a draw in [0, 1) before T, 1 + arrival number after
 *   ent    hash        user → entry id (one entry per account)
 *   seen   hash        user → last time the buyer asked (ms)
 *   adm    hash        user → "admittedAt|admissionNo"
 *   used   hash        user → 1 once the admission was used for a hold
 *   log    sorted set  admission number → admission time (the last minute, for the organizer)
 *   meta   hash        seq (arrivals after T), admitted (count), allowance and last (token bucket),
 *                       rate (per minute, of the last pass)
 */

const KEYS = ['q', 'ent', 'seen', 'adm', 'used', 'log', 'meta'] as const;
const keysOf = (eventId: string) => KEYS.map((k) => `wr:{${eventId}}:${k}`);

const PRELUDE = `
local q, ent, seen, adm, used, log, meta = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local function place(user)
  local id = redis.call('HGET', ent, user)
  if not id then return {'none'} end
  local waiting = redis.call('ZCARD', q)
  local rank = redis.call('ZRANK', q, user)
  if rank then return {'waiting', id, rank + 1, waiting} end
  local a = redis.call('HGET', adm, user) or '0|0'
  local sep = string.find(a, '|', 1, true)
  return {'admitted', id, 0, waiting, string.sub(a, 1, sep - 1), string.sub(a, sep + 1), redis.call('HEXISTS', used, user)}
end
`;

// ARGV: user, entryId, now, opensAt, lottery, tokenTtlMs, retentionMs
const JOIN = `${PRELUDE}
local user, now = ARGV[1], tonumber(ARGV[3])
local existing = redis.call('HGET', ent, user)
if existing then
  local a = redis.call('HGET', adm, user)
  local over = false
  if a then
    local at = tonumber(string.sub(a, 1, string.find(a, '|', 1, true) - 1))
    over = redis.call('HEXISTS', used, user) == 1 or at + tonumber(ARGV[6]) <= now
  end
  if not over then
    redis.call('HSET', seen, user, now)
    local p = place(user)
    table.insert(p, 1, 0)
    return p
  end
  redis.call('HDEL', adm, user)
  redis.call('HDEL', used, user)
end
local score
if now < tonumber(ARGV[4]) then score = ARGV[5] else score = 1 + redis.call('HINCRBY', meta, 'seq', 1) end
redis.call('ZADD', q, score, user)
redis.call('HSET', ent, user, ARGV[2])
redis.call('HSET', seen, user, now)
for _, k in ipairs(KEYS) do redis.call('PEXPIRE', k, ARGV[7]) end
local p = place(user)
table.insert(p, 1, 1)
return p
`;

// ARGV: now, user...
const PLACES = `${PRELUDE}
local out = {}
for i = 2, #ARGV do
  local user = ARGV[i]
  if redis.call('HEXISTS', ent, user) == 1 then redis.call('HSET', seen, user, ARGV[1]) end
  out[#out + 1] = place(user)
end
return out
`;

// ARGV: now, opensAt, perMinute, graceMs, maxBatch
const ADMIT = `${PRELUDE}
local now, opens, rate, grace, max = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if now < opens then return {} end
local last = tonumber(redis.call('HGET', meta, 'last') or opens)
if last < opens then last = opens end
local cap = math.max(1, rate / 60)
local allowance = math.min(cap, tonumber(redis.call('HGET', meta, 'allowance') or '0') + (now - last) * rate / 60000)
local n = math.min(math.floor(allowance), max)
local scans = max * 10
local admitted = {}
while n > 0 and scans > 0 do
  local head = redis.call('ZRANGE', q, 0, n - 1)
  if #head == 0 then break end
  for _, user in ipairs(head) do
    redis.call('ZREM', q, user)
    scans = scans - 1
    if tonumber(redis.call('HGET', seen, user) or '0') + grace < now then
      redis.call('HDEL', ent, user)
      redis.call('HDEL', seen, user)
    else
      local no = redis.call('HINCRBY', meta, 'admitted', 1)
      redis.call('HSET', adm, user, now .. '|' .. no)
      redis.call('ZADD', log, now, no)
      admitted[#admitted + 1] = user
      n = n - 1
      allowance = allowance - 1
    end
  end
end
redis.call('HSET', meta, 'allowance', allowance, 'last', now, 'rate', rate)
redis.call('ZREMRANGEBYSCORE', log, '-inf', now - 60000)
return admitted
`;

// ARGV: user, entryId
const CONSUME = `${PRELUDE}
if redis.call('HGET', ent, ARGV[1]) ~= ARGV[2] or redis.call('HEXISTS', adm, ARGV[1]) == 0 then return 'unknown' end
if redis.call('HSETNX', used, ARGV[1], 1) == 0 then return 'used' end
return 'ok'
`;

const UNCONSUME = `${PRELUDE}
if redis.call('HGET', ent, ARGV[1]) == ARGV[2] then redis.call('HDEL', used, ARGV[1]) end
return 1
`;

// ARGV: now
const STATS = `${PRELUDE}
return {redis.call('ZCARD', q), tonumber(redis.call('HGET', meta, 'admitted') or '0'), redis.call('ZCOUNT', log, '(' .. (tonumber(ARGV[1]) - 60000), '+inf'), redis.call('HGET', meta, 'rate') or ''}
`;

type Raw = (string | number)[];

function toPlace(raw: Raw): QueuePlace | undefined {
  const [state, entryId, position, waiting, admittedAt, admissionNo, used] = raw;
  if (state === 'waiting') return { state, entryId: String(entryId), position: Number(position), waiting: Number(waiting) };
  if (state === 'admitted')
    return {
      state,
      entryId: String(entryId),
      waiting: Number(waiting),
      admittedAt: Number(admittedAt),
      admissionNo: Number(admissionNo),
      used: Number(used) === 1,
    };
  return undefined;
}

/** The queue in Redis (production): atomic scripts, so that any number of event-service instances share it. */
export function createRedisQueueStore(cache: Cache): QueueStore {
  const run = cache.runScript?.bind(cache);
  if (!run) throw new Error('the Redis queue store needs a cache that runs scripts (Redis)');
  return {
    kind: 'redis',
    async join(eventId, userId, i) {
      const raw = (await run(JOIN, keysOf(eventId), [userId, i.entryId, i.now, i.opensAt, i.lottery, i.tokenTtlMs, i.retentionMs])) as Raw;
      return { created: Number(raw[0]) === 1, place: toPlace(raw.slice(1))! };
    },
    async places(eventId, userIds, now) {
      if (userIds.length === 0) return [];
      const raw = (await run(PLACES, keysOf(eventId), [now, ...userIds])) as Raw[];
      return raw.map(toPlace);
    },
    async admit(eventId, i) {
      return (await run(ADMIT, keysOf(eventId), [i.now, i.opensAt, i.perMinute, i.graceMs, i.maxBatch])) as string[];
    },
    async consume(eventId, userId, entryId) {
      return (await run(CONSUME, keysOf(eventId), [userId, entryId])) as 'ok' | 'used' | 'unknown';
    },
    async unconsume(eventId, userId, entryId) {
      await run(UNCONSUME, keysOf(eventId), [userId, entryId]);
    },
    async stats(eventId, now) {
      const [waiting, admittedTotal, admittedLastMinute, rate] = (await run(STATS, keysOf(eventId), [now])) as (number | string)[];
      return {
        waiting: Number(waiting),
        admittedTotal: Number(admittedTotal),
        admittedLastMinute: Number(admittedLastMinute),
        ratePerMinute: rate === '' || rate === undefined ? undefined : Number(rate),
      };
    },
  };
}
