import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { issueInternalToken, issueUserToken, type Role } from '@ticketing/auth';
import type { Cache } from '@ticketing/cache';
import type { DeepPartial } from '@ticketing/config';
import { createMemoryCache } from '@ticketing/cache';
import { createPgliteDatabase, type Database } from '@ticketing/db';
import type { MessageBus } from '@ticketing/bus';
import { apiClient, listen, readSse, testInfra, uniqueId, type ApiRequest } from '@ticketing/testing';
import { buildEventsApp, createEventsDeps, loadEventsConfig, type EventsConfig } from '../src/index.ts';
import type { CapacityMeter } from '../src/waiting-room/capacity.ts';

export type EventsServer = Awaited<ReturnType<typeof startEvents>>;
export type Profile = 'production' | 'embedded';
export const PROFILES: readonly Profile[] = ['production', 'embedded'];

/**
 * Starts the event service on a real port: `production` against the real PostgreSQL and
 * Redis, `embedded` on PGlite and the in-memory cache (the adapters `npm start` uses).
 * `server.sql` runs SQL on the service's own database (for invariants checked afterwards).
 */
export async function startEvents(
  overrides: DeepPartial<EventsConfig> = {},
  given: { cache?: Cache; bus?: MessageBus; capacity?: CapacityMeter } = {},
  profile: Profile = 'production',
) {
  const config = loadEventsConfig(
    {
      log: { level: 'silent' },
      // Tests sweep explicitly (deps.sweeper.sweepOnce) unless they ask for the timer.
      sweeperIntervalMs: 0,
      ...overrides,
      // Merged, so that a test changing one setting (poolSize, keyPrefix) keeps the test servers.
      database: { url: testInfra.databaseUrl, ...overrides.database },
      redis: { url: testInfra.redisUrl, ...overrides.redis },
      kafka: { enabled: false, ...overrides.kafka },
    },
    {},
  );
  const embedded =
    profile === 'embedded'
      ? { db: await createPgliteDatabase({ dataDir: 'memory://', schema: 'events' }), cache: createMemoryCache() }
      : undefined;
  const deps = await createEventsDeps(config, { ...embedded, ...given });
  // The sweeper stays off unless a test starts it; seat events are published as in production.
  deps.relay?.start();
  const app = await buildEventsApp(deps);
  const baseUrl = await listen(app);
  deps.sweeper.start();
  deps.admissions.start();
  deps.waitlist.start();
  const { secret, issuer, internalSecret } = config.jwt;
  return {
    config,
    deps,
    app,
    profile,
    sql: deps.db,
    baseUrl,
    api: apiClient(baseUrl),
    /** A token for a new (or the given) user; the user service is not needed. */
    user(role: Role = 'user', userId: string = randomUUID()) {
      const { token } = issueUserToken({ userId, email: `${uniqueId('u')}@example.test`, role }, { secret, issuer, ttlSeconds: 3600 });
      return { token, userId };
    },
    internalToken: issueInternalToken('bookings', { secret: internalSecret, issuer, ttlSeconds: 600 }),
    async close() {
      await app.close();
      await deps.close();
      await embedded?.db.close();
    },
  };
}

export function futureDate(days = 30): string {
  return new Date(Date.now() + days * 86_400_000).toISOString();
}

export function newEvent(overrides: Record<string, unknown> = {}) {
  return {
    name: `Concert ${uniqueId('ev')}`,
    description: 'A night of music',
    venue: 'Main Hall',
    city: 'Berlin',
    category: 'music',
    event_date: futureDate(),
    total_seats: 100,
    price_per_seat: 49.99,
    seats_per_row: 10,
    ...overrides,
  };
}

export async function createEvent(api: ApiRequest, token: string, overrides: Record<string, unknown> = {}) {
  const res = await api('POST', '/api/events', { token, body: newEvent(overrides) });
  assert.equal(res.status, 201, res.text);
  return res.body as { event_id: string; total_seats: number; available_seats: number; [k: string]: unknown };
}

export function assertError(res: { status: number; body: any; text?: string }, status: number, code: string) {
  assert.equal(res.status, status, res.text ?? JSON.stringify(res.body));
  assert.equal(res.body.error, code, res.text);
  assert.equal(typeof res.body.message, 'string');
  assert.ok(res.body.message.length > 0);
}

/**
 * Moves a hold's expiry (and its seats') into the past, as if its time had run out. Cached
 * counts and seat maps are only valid until the first expiry they saw, which this rewrite moves
 * behind their back, so the servers' caches of that event are invalidated too.
 */
export async function expireHold(db: Database, holdId: string, servers: EventsServer[] = [], secondsAgo = 5): Promise<void> {
  const { rows } = await db.query<{ event_id: string }>(
    `UPDATE holds SET expires_at = now() - make_interval(secs => $2) WHERE id = $1 RETURNING event_id`,
    [holdId, secondsAgo],
  );
  await db.query(`UPDATE seats SET hold_expires_at = now() - make_interval(secs => $2) WHERE hold_id = $1`, [holdId, secondsAgo]);
  for (const s of servers) await s.deps.eventCache.invalidateSeats(rows[0]!.event_id);
}

/**
 * Expires a hold long ago, so that it is among the first the sweeper takes (the database is
 * shared with other test files and benchmarks, which may leave many expired holds behind), and
 * runs one sweep batch. Returns whether this server's sweep expired it: the sweeper is global,
 * and a server of another test file running alongside may have swept it first (then the
 * expiry was announced by that server, not this one).
 */
export async function expireAndSweep(server: EventsServer, holdId: string): Promise<boolean> {
  await expireHold(server.sql, holdId, [server], 365 * 86400);
  const swept = await server.deps.sweeper.sweepOnce(1);
  if (swept.includes(holdId)) return true;
  // Another sweeper had it locked (SKIP LOCKED): wait for its commit.
  let status: string | undefined;
  for (let i = 0; i < 100 && status !== 'expired'; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 20));
    status = (await server.sql.query<{ status: string }>('SELECT status FROM holds WHERE id = $1', [holdId])).rows[0]?.status;
  }
  assert.equal(status, 'expired');
  return false;
}

export interface SseFrame {
  id?: string;
  event?: string;
  data?: any;
  comment?: string;
}

/** A minimal EventSource: a plain GET with no custom headers, parsed frame by frame. */
export async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal, headers });
  const frames: SseFrame[] = [];
  const waiters: (() => void)[] = [];
  const done = res.body
    ? readSse(res.body, (block) => {
        frames.push({ ...block, data: block.data === undefined ? undefined : JSON.parse(block.data) });
        for (const w of waiters.splice(0)) w();
      }).catch(() => undefined)
    : Promise.resolve();
  return {
    res,
    frames,
    /** Waits until a frame matching `pred` arrived (at most `ms`), and returns it. */
    async next(pred: (f: SseFrame) => boolean, ms = 5000): Promise<SseFrame> {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = frames.find(pred);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(frames)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
    async close() {
      controller.abort();
      await done;
    },
  };
}

/** No seat in two live holds, and every live hold owns exactly its seats (SQL, after the fact). */
export async function assertHoldsConsistent(server: EventsServer, eventId: string) {
  const doubles = await server.sql.query(
    `SELECT seat_no, count(*)::int AS holds FROM holds, unnest(seat_nos) AS seat_no
      WHERE event_id = $1 AND status IN ('active', 'locked') AND expires_at > now()
      GROUP BY seat_no HAVING count(*) > 1`,
    [eventId],
  );
  assert.deepEqual(doubles.rows, []);
  const mismatched = await server.sql.query(
    `SELECT h.id FROM holds h
      WHERE h.event_id = $1 AND h.status = 'active'
        AND (SELECT count(*) FROM seats s WHERE s.event_id = h.event_id AND s.hold_id = h.id AND s.status = 'held') <> h.seat_count`,
    [eventId],
  );
  assert.deepEqual(mismatched.rows, []);
  const orphans = await server.sql.query(
    `SELECT s.seat_no FROM seats s WHERE s.event_id = $1 AND s.status = 'held'
        AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.id = s.hold_id AND s.seat_no = ANY (h.seat_nos))`,
    [eventId],
  );
  assert.deepEqual(orphans.rows, []);
}
