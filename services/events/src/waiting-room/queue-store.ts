/**
 * The waiting room's queue, one per event: the port, and its in-memory adapter for the embedded
 * profile (the Redis adapter, with the same contract, is in redis-queue-store.ts). Every time is
 * passed in (ms since epoch), so that both adapters decide alike and tests can set the clock.
 */

/** A buyer's place: waiting at `position` (1 = next), or admitted as the `admissionNo`-th buyer. */
export type QueuePlace =
  | { state: 'waiting'; entryId: string; position: number; waiting: number }
  | { state: 'admitted'; entryId: string; waiting: number; admittedAt: number; admissionNo: number; used: boolean };

export interface JoinInput {
  now: number;
  /** The on-sale time T: buyers who join before it are ordered by `lottery`, after it by arrival. */
  opensAt: number;
  /** A uniform random number in [0, 1): the buyer's draw when joining before T. */
  lottery: number;
  /** The id of a new entry (also the admission token's id). */
  entryId: string;
  /** An admitted entry older than this (its token expired unused) may be replaced by a new one. */
  tokenTtlMs: number;
  /** The queue's keys expire this long after the last join. */
  retentionMs: number;
}

export interface AdmitInput {
  now: number;
  opensAt: number;
  perMinute: number;
  /** A waiting buyer not seen for this long is dropped (has left) when their turn comes. */
  graceMs: number;
  /** Most buyers admitted by one call. */
  maxBatch: number;
}

export interface QueueStats {
  waiting: number;
  admittedTotal: number;
  admittedLastMinute: number;
  /** The rate the last admission pass admitted at (per minute); undefined before the first. */
  ratePerMinute: number | undefined;
}

export type ConsumeOutcome = 'ok' | 'used' | 'unknown';

export interface QueueStore {
  readonly kind: 'redis' | 'memory';
  /** Enters the queue, or (created false) returns the account's existing place: one entry per account. */
  join(eventId: string, userId: string, input: JoinInput): Promise<{ created: boolean; place: QueuePlace }>;
  /** The places of these buyers (undefined: not in the queue); marks them present at `now`. */
  places(eventId: string, userIds: readonly string[], now: number): Promise<(QueuePlace | undefined)[]>;
  /** Admits the next buyers at the rate allowed since the last call (a token bucket kept in the store); returns them in order. */
  admit(eventId: string, input: AdmitInput): Promise<string[]>;
  /** Marks the admission `entryId` of the buyer used: once only. */
  consume(eventId: string, userId: string, entryId: string): Promise<ConsumeOutcome>;
  /** Undoes consume (the hold it was for failed), so that the buyer may try again with the same token. */
  unconsume(eventId: string, userId: string, entryId: string): Promise<void>;
  stats(eventId: string, now: number): Promise<QueueStats>;
}

interface MemoryEntry {
  entryId: string;
  score: number;
  seen: number;
  admittedAt?: number;
  admissionNo?: number;
  used?: boolean;
}

interface MemoryQueue {
  entries: Map<string, MemoryEntry>;
  /** Waiting user ids by score (kept sorted; inserts are binary-searched). */
  waiting: { userId: string; score: number }[];
  seq: number;
  admitted: number;
  allowance: number;
  last: number | undefined;
  rate: number | undefined;
  admittedTimes: number[];
}

/** The embedded profile's queue (one process): the same rules as the Redis scripts. */
export function createMemoryQueueStore(): QueueStore {
  const queues = new Map<string, MemoryQueue>();
  const queueOf = (eventId: string): MemoryQueue => {
    let q = queues.get(eventId);
    if (!q) {
      q = { entries: new Map(), waiting: [], seq: 0, admitted: 0, allowance: 0, last: undefined, rate: undefined, admittedTimes: [] };
      queues.set(eventId, q);
    }
    return q;
  };
  const rankOf = (q: MemoryQueue, userId: string) => q.waiting.findIndex((w) => w.userId === userId);

  function placeOf(q: MemoryQueue, userId: string): QueuePlace | undefined {
    const e = q.entries.get(userId);
    if (!e) return undefined;
    if (e.admittedAt === undefined)
      return { state: 'waiting', entryId: e.entryId, position: rankOf(q, userId) + 1, waiting: q.waiting.length };
    return {
      state: 'admitted',
      entryId: e.entryId,
      waiting: q.waiting.length,
      admittedAt: e.admittedAt,
      admissionNo: e.admissionNo!,
      used: e.used === true,
    };
  }

  return {
    kind: 'memory',
    async join(eventId, userId, input) {
      const q = queueOf(eventId);
      const existing = q.entries.get(userId);
      if (existing) {
        const over = existing.admittedAt !== undefined && (existing.used === true || existing.admittedAt + input.tokenTtlMs <= input.now);
        if (!over) {
          existing.seen = input.now;
          return { created: false, place: placeOf(q, userId)! };
        }
      }
      const score = input.now < input.opensAt ? input.lottery : 1 + ++q.seq;
      q.entries.set(userId, { entryId: input.entryId, score, seen: input.now });
      let lo = 0;
      let hi = q.waiting.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (q.waiting[mid]!.score <= score) lo = mid + 1;
        else hi = mid;
      }
      q.waiting.splice(lo, 0, { userId, score });
      return { created: true, place: placeOf(q, userId)! };
    },
    async places(eventId, userIds, now) {
      const q = queueOf(eventId);
      return userIds.map((u) => {
        const e = q.entries.get(u);
        if (e) e.seen = now;
        return placeOf(q, u);
      });
    },
    async admit(eventId, input) {
      const q = queueOf(eventId);
      if (input.now < input.opensAt) return [];
      const last = Math.max(q.last ?? input.opensAt, input.opensAt);
      const cap = Math.max(1, input.perMinute / 60);
      let allowance = Math.min(cap, q.allowance + ((input.now - last) * input.perMinute) / 60_000);
      let n = Math.min(Math.floor(allowance), input.maxBatch);
      let scans = input.maxBatch * 10;
      const out: string[] = [];
      while (n > 0 && scans > 0 && q.waiting.length > 0) {
        const { userId } = q.waiting.shift()!;
        scans--;
        const e = q.entries.get(userId)!;
        if (e.seen + input.graceMs < input.now) {
          q.entries.delete(userId);
          continue;
        }
        e.admittedAt = input.now;
        e.admissionNo = ++q.admitted;
        q.admittedTimes.push(input.now);
        out.push(userId);
        n--;
        allowance--;
      }
      q.allowance = allowance;
      q.last = input.now;
      q.rate = input.perMinute;
      while (q.admittedTimes.length > 0 && q.admittedTimes[0]! <= input.now - 60_000) q.admittedTimes.shift();
      return out;
    },
    async consume(eventId, userId, entryId) {
      const e = queueOf(eventId).entries.get(userId);
      if (!e || e.entryId !== entryId || e.admittedAt === undefined) return 'unknown';
      if (e.used) return 'used';
      e.used = true;
      return 'ok';
    },
    async unconsume(eventId, userId, entryId) {
      const e = queueOf(eventId).entries.get(userId);
      if (e && e.entryId === entryId) e.used = false;
    },
    async stats(eventId, now) {
      const q = queueOf(eventId);
      return {
        waiting: q.waiting.length,
        admittedTotal: q.admitted,
        admittedLastMinute: q.admittedTimes.filter((t) => t > now - 60_000).length,
        ratePerMinute: q.rate,
      };
    },
  };
}
