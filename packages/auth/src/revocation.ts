import type { UserClaims } from './jwt.ts';

/**
 * What has been revoked of one user's tokens: every token of an older generation (a password
 * change or reset, a lost admin role, a removal from an organization), and single tokens by id
 * (log out) until they expire. docs/users.md#revocation.
 */
export interface RevocationState {
  /** Tokens whose `gen` claim (0 when absent) is below this are refused. */
  generation: number;
  /** Ids (`jti`) of single revoked tokens that have not expired yet. */
  jtis: readonly string[];
}

export const NOTHING_REVOKED: RevocationState = Object.freeze({ generation: 0, jtis: Object.freeze([]) });

/** Pub/sub channel on which the users service announces "this user's revocations changed" (message: the user id). */
export const REVOCATION_CHANNEL = 'auth:revocations';

/** The key under which the users service keeps a user's RevocationState (JSON) for the other services. */
export function revocationKey(userId: string): string {
  return `auth:revocation:${userId}`;
}

/** The cache port as far as revocations need it (structurally `@ticketing/cache` Cache). */
export interface RevocationStore {
  get(key: string): Promise<string | null>;
  /** Several keys in one round trip (Redis MGET), the values in the keys' order. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
}

export function parseRevocationState(text: string | null): RevocationState {
  if (text === null) return NOTHING_REVOKED;
  try {
    const v = JSON.parse(text) as { generation?: unknown; jtis?: unknown };
    const generation = Number.isSafeInteger(v.generation) && (v.generation as number) >= 0 ? (v.generation as number) : 0;
    const jtis = Array.isArray(v.jtis) ? v.jtis.filter((j): j is string => typeof j === 'string') : [];
    return { generation, jtis };
  } catch {
    return NOTHING_REVOKED;
  }
}

export interface RevocationCheckerOptions {
  /** Where a user's state is read on a miss: the shared cache (Redis), or the users database. */
  lookup: (userId: string) => Promise<RevocationState>;
  /** Announcements of changes (a user id each): the local copy is dropped at once. */
  subscribe?: ((onChange: (userId: string) => void) => Promise<() => Promise<void>>) | undefined;
  /**
   * How long a local copy is trusted without an announcement: the bound on how late a revocation
   * takes effect when an announcement is lost (a pub/sub reconnect). @defaultValue 30000
   */
  maxAgeMs?: number | undefined;
  /** Users remembered at most (least recently checked forgotten first). @defaultValue 100000 */
  maxEntries?: number | undefined;
  /** Told of a failed lookup, at most once per 10 s (a Redis outage would otherwise flood the log). */
  onLookupError?: ((err: unknown) => void) | undefined;
}

export interface RevocationChecker {
  /** True when this token has been revoked (its user's generation moved past it, or its id was revoked). */
  isRevoked(claims: Pick<UserClaims, 'user_id' | 'jti' | 'gen'>): Promise<boolean>;
  /** Drops the local copy of a user's state (the next check reads it again). */
  forget(userId: string): void;
  close(): Promise<void>;
}

/**
 * The per-process revocation check every service runs after verifying a JWT locally: a small
 * in-memory copy of each recently seen user's revocation state, read from the shared cache on a
 * miss (one read per user per `maxAgeMs` at most), dropped the moment the users service announces
 * a change. No call to the users service, no database read on the request path.
 *
 * When the lookup fails (Redis down) the last known state is used, or nothing is considered
 * revoked: tokens still expire after `jwt.ttlSeconds`, and refusing every request while the cache
 * is down would stop the platform.
 */
export function createRevocationChecker(opts: RevocationCheckerOptions): RevocationChecker {
  const maxAgeMs = opts.maxAgeMs ?? 30_000;
  const maxEntries = opts.maxEntries ?? 100_000;
  const known = new Map<string, { state: RevocationState; at: number }>();
  const loading = new Map<string, Promise<RevocationState>>();
  // Bumped by every announcement, so a lookup that started before one does not store a stale state.
  const epochs = new Map<string, number>();
  let lastReported = 0;
  const report = (err: unknown) => {
    if (Date.now() - lastReported < 10_000) return;
    lastReported = Date.now();
    opts.onLookupError?.(err);
  };

  function remember(userId: string, state: RevocationState): void {
    known.delete(userId);
    known.set(userId, { state, at: Date.now() });
    if (known.size > maxEntries) known.delete(known.keys().next().value!);
  }

  async function stateOf(userId: string): Promise<RevocationState> {
    const entry = known.get(userId);
    if (entry && Date.now() - entry.at < maxAgeMs) return entry.state;
    let pending = loading.get(userId);
    if (!pending) {
      const epoch = epochs.get(userId) ?? 0;
      pending = opts
        .lookup(userId)
        .then((state) => {
          if ((epochs.get(userId) ?? 0) === epoch) remember(userId, state);
          return state;
        })
        .catch((err: unknown) => {
          report(err);
          return entry?.state ?? NOTHING_REVOKED;
        })
        .finally(() => loading.delete(userId));
      loading.set(userId, pending);
    }
    return pending;
  }

  function forget(userId: string): void {
    known.delete(userId);
    loading.delete(userId);
    epochs.set(userId, (epochs.get(userId) ?? 0) + 1);
    if (epochs.size > maxEntries) epochs.delete(epochs.keys().next().value!);
  }

  // Not awaited: while Redis is unreachable the subscription waits for it, and the service must
  // start anyway (lookups then age out after maxAgeMs).
  let unsubscribe: (() => Promise<void>) | undefined;
  let closed = false;
  opts.subscribe?.(forget).then(
    (u) => (closed ? void u().catch(() => undefined) : (unsubscribe = u)),
    (err: unknown) => report(err),
  );

  return {
    async isRevoked(claims) {
      const state = await stateOf(claims.user_id);
      return (claims.gen ?? 0) < state.generation || state.jtis.includes(claims.jti);
    },
    forget,
    async close() {
      closed = true;
      await unsubscribe?.().catch(() => undefined);
    },
  };
}

/**
 * Gathers the lookups asked for within one turn of the event loop into one `lookupMany` call (at
 * most `maxBatch` users each). Each user's state is read once per `maxAgeMs` anyway, but at an
 * on-sale every request is a new buyer's: 2,000 joins a second were 2,000 Redis round trips a
 * second, and are now a few dozen.
 */
export function batchLookups(
  lookupMany: (userIds: readonly string[]) => Promise<readonly RevocationState[]>,
  maxBatch = 500,
): (userId: string) => Promise<RevocationState> {
  let queue: { userId: string; resolve: (state: RevocationState) => void; reject: (err: unknown) => void }[] = [];
  const flush = () => {
    const batch = queue;
    queue = [];
    for (let i = 0; i < batch.length; i += maxBatch) {
      const part = batch.slice(i, i + maxBatch);
      lookupMany(part.map((p) => p.userId)).then(
        (states) => part.forEach((p, j) => p.resolve(states[j] ?? NOTHING_REVOKED)),
        (err: unknown) => part.forEach((p) => p.reject(err)),
      );
    }
  };
  return (userId) =>
    new Promise<RevocationState>((resolve, reject) => {
      // The requests read in this turn ask first; the batch goes out right after them.
      if (queue.length === 0) setImmediate(flush);
      queue.push({ userId, resolve, reject });
    });
}

/** A checker reading the states the users service keeps in the shared cache (Redis, or the in-memory cache of `npm start`). */
export function createCacheRevocationChecker(
  store: RevocationStore,
  opts: Omit<RevocationCheckerOptions, 'lookup' | 'subscribe'> = {},
): RevocationChecker {
  return createRevocationChecker({
    ...opts,
    lookup: batchLookups(async (userIds) => (await store.getMany(userIds.map(revocationKey))).map(parseRevocationState)),
    subscribe: (onChange) => store.subscribe(REVOCATION_CHANNEL, onChange),
  });
}
