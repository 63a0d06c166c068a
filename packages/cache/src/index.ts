import { createHash } from 'node:crypto';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * Cache and pub/sub port. Every call may fail when the backing server is down; callers treat
 * the cache as optional and fall back to the database.
 */
export interface Cache {
  get(key: string): Promise<string | null>;
  /** Several keys in one round trip (in a Cluster, one per key), the values in the keys' order. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /** Increments a counter that lives for `windowMs` from its first increment. */
  incrWindow(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }>;
  publish(channel: string, message: string): Promise<void>;
  /** Subscribes to a channel; returns an unsubscribe function. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Redis only (absent on the in-memory cache): runs a Lua script atomically, by its SHA1 once
   * loaded. Every key is prefixed like the others; in a Cluster they must share a hash tag.
   */
  runScript?(script: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}

/** Where the Redis servers are: one URL, a Sentinel-monitored master, or a Cluster. */
export type RedisTopology =
  | { mode: 'standalone'; url: string }
  | { mode: 'sentinel'; sentinels: readonly string[]; sentinelName: string; password: string; tls: boolean }
  | { mode: 'cluster'; clusterNodes: readonly string[]; password: string; tls: boolean };

function hostPort(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return at < 0 ? { host: address, port: 26379 } : { host: address.slice(0, at), port: Number(address.slice(at + 1)) };
}

type Client = Redis | Cluster;

/** One connection of the topology's kind (ioredis follows Sentinel failovers and Cluster redirects itself). */
function connect(topology: RedisTopology, options: RedisOptions): Client {
  if (topology.mode === 'standalone') return new Redis(topology.url, options);
  const auth = { ...(topology.password ? { password: topology.password } : {}), ...(topology.tls ? { tls: {} } : {}) };
  if (topology.mode === 'sentinel') {
    return new Redis({
      ...options,
      ...auth,
      sentinels: topology.sentinels.map(hostPort),
      name: topology.sentinelName,
      ...(topology.password ? { sentinelPassword: topology.password } : {}),
      ...(topology.tls ? { enableTLSForSentinelMode: true } : {}),
    });
  }
  return new Cluster(topology.clusterNodes.map(hostPort), {
    redisOptions: { ...options, ...auth },
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    clusterRetryStrategy: (times: number) => Math.min(times * 200, 2_000),
  });
}

export function createRedisCache(target: string | RedisTopology, opts: { keyPrefix?: string } = {}): Cache {
  const topology: RedisTopology = typeof target === 'string' ? { mode: 'standalone', url: target } : target;
  const base = {
    lazyConnect: false,
    // Fail fast while disconnected instead of queueing: the caller falls back to the database.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  };
  const prefix = opts.keyPrefix ?? '';
  const client = connect(topology, base);
  client.on('error', () => undefined);
  let subscriber: Client | undefined;
  const handlers = new Map<string, Set<(message: string) => void>>();
  const shas = new Map<string, string>();

  const getSubscriber = (): Client => {
    if (subscriber) return subscriber;
    // The subscriber queues while offline so that subscriptions are (re)made once it connects.
    subscriber = connect(topology, { ...base, enableOfflineQueue: true, maxRetriesPerRequest: null });
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string, message: string) => {
      for (const h of handlers.get(channel) ?? []) h(message);
    });
    return subscriber;
  };

  return {
    get: (key) => client.get(prefix + key),
    async getMany(keys) {
      if (keys.length === 0) return [];
      // A Cluster refuses one MGET over keys of different slots.
      if (topology.mode === 'cluster') return Promise.all(keys.map((k) => client.get(prefix + k)));
      return client.mget(...keys.map((k) => prefix + k));
    },
    async set(key, value, ttlSeconds) {
      await client.set(prefix + key, value, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
    },
    async del(...keys) {
      if (keys.length === 0) return;
      // A Cluster refuses one DEL over keys of different slots.
      if (topology.mode === 'cluster') await Promise.all(keys.map((k) => client.del(prefix + k)));
      else await client.del(...keys.map((k) => prefix + k));
    },
    async incrWindow(key, windowMs) {
      const k = prefix + key;
      const res = await client.multi().incr(k).pexpire(k, windowMs, 'NX').pttl(k).exec();
      const count = Number(res?.[0]?.[1] ?? 0);
      const ttlMs = Number(res?.[2]?.[1] ?? windowMs);
      return { count, ttlMs: ttlMs > 0 ? ttlMs : windowMs };
    },
    async publish(channel, message) {
      await client.publish(prefix + channel, message);
    },
    async subscribe(channel, onMessage) {
      const full = prefix + channel;
      const sub = getSubscriber();
      let set = handlers.get(full);
      if (!set) {
        set = new Set();
        handlers.set(full, set);
        await sub.subscribe(full);
      }
      set.add(onMessage);
      return async () => {
        const s = handlers.get(full);
        if (!s) return;
        s.delete(onMessage);
        if (s.size === 0) {
          handlers.delete(full);
          await sub.unsubscribe(full).catch(() => undefined);
        }
      };
    },
    async ping() {
      await client.ping();
    },
    async runScript(script, keys, args) {
      let sha = shas.get(script);
      if (!sha) shas.set(script, (sha = createHash('sha1').update(script).digest('hex')));
      const full = keys.map((k) => prefix + k);
      try {
        return await client.evalsha(sha, full.length, ...full, ...args);
      } catch (err) {
        // The server restarted (or never saw it): EVAL loads it again.
        if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
        return await client.eval(script, full.length, ...full, ...args);
      }
    },
    async close() {
      client.disconnect();
      subscriber?.disconnect();
    },
  };
}

/** The cache a service's `redis` config section asks for: Redis when enabled, else in-process. */
export function createCacheFromConfig(
  redis: {
    enabled: boolean;
    url: string;
    keyPrefix: string;
  } & Partial<Omit<Extract<RedisTopology, { mode: 'sentinel' }>, 'mode'> & Omit<Extract<RedisTopology, { mode: 'cluster' }>, 'mode'>> & {
      mode?: RedisTopology['mode'];
    },
): Cache {
  if (!redis.enabled) return createMemoryCache();
  if (redis.mode === 'sentinel' && (redis.sentinels ?? []).length === 0)
    throw new Error('redis.mode is sentinel but redis.sentinels (REDIS_SENTINELS) is empty');
  if (redis.mode === 'cluster' && (redis.clusterNodes ?? []).length === 0)
    throw new Error('redis.mode is cluster but redis.clusterNodes (REDIS_CLUSTER_NODES) is empty');
  const secure = { password: redis.password ?? '', tls: redis.tls ?? false };
  const topology: RedisTopology =
    redis.mode === 'sentinel'
      ? { mode: 'sentinel', sentinels: redis.sentinels ?? [], sentinelName: redis.sentinelName ?? 'mymaster', ...secure }
      : redis.mode === 'cluster'
        ? { mode: 'cluster', clusterNodes: redis.clusterNodes ?? [], ...secure }
        : { mode: 'standalone', url: redis.url };
  return createRedisCache(topology, { keyPrefix: redis.keyPrefix });
}

/** In-process cache for the embedded profile and for unit tests. */
export function createMemoryCache(): Cache {
  const values = new Map<string, { value: string; expiresAt: number }>();
  const handlers = new Map<string, Set<(message: string) => void>>();
  const live = (key: string) => {
    const v = values.get(key);
    if (v && v.expiresAt <= Date.now()) {
      values.delete(key);
      return undefined;
    }
    return v;
  };
  return {
    async get(key) {
      return live(key)?.value ?? null;
    },
    async getMany(keys) {
      return keys.map((k) => live(k)?.value ?? null);
    },
    async set(key, value, ttlSeconds) {
      values.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
    },
    async del(...keys) {
      for (const k of keys) values.delete(k);
    },
    async incrWindow(key, windowMs) {
      const v = live(key);
      const now = Date.now();
      const next = v ? { value: String(Number(v.value) + 1), expiresAt: v.expiresAt } : { value: '1', expiresAt: now + windowMs };
      values.set(key, next);
      return { count: Number(next.value), ttlMs: next.expiresAt - now };
    },
    async publish(channel, message) {
      for (const h of handlers.get(channel) ?? []) queueMicrotask(() => h(message));
    },
    async subscribe(channel, onMessage) {
      const set = handlers.get(channel) ?? new Set();
      handlers.set(channel, set);
      set.add(onMessage);
      return async () => {
        set.delete(onMessage);
      };
    },
    async ping() {},
    async close() {
      values.clear();
      handlers.clear();
    },
  };
}

/**
 * Fixed-window rate limiter on the shared cache, falling back to a per-process window when the
 * cache is unreachable, so that a Redis outage never turns into unlimited login attempts.
 */
export function createRateLimiter(cache: Cache, opts: { limit: number; windowMs: number; prefix: string }) {
  const local = createMemoryCache();
  return {
    /** Counts one attempt; returns how long to wait when the limit is passed. */
    async hit(key: string): Promise<{ allowed: boolean; retryAfterSeconds: number; count: number }> {
      const k = `${opts.prefix}:${key}`;
      let result: { count: number; ttlMs: number };
      try {
        result = await cache.incrWindow(k, opts.windowMs);
      } catch {
        result = await local.incrWindow(k, opts.windowMs);
      }
      return {
        allowed: result.count <= opts.limit,
        retryAfterSeconds: Math.max(1, Math.ceil(result.ttlMs / 1000)),
        count: result.count,
      };
    },
    async reset(key: string): Promise<void> {
      const k = `${opts.prefix}:${key}`;
      await Promise.allSettled([cache.del(k), local.del(k)]);
    },
  };
}
