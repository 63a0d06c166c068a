// Scale-out proven on one machine (docs/operations.md "Scale-out" and "Rolling restart"): two
// instances of every API (users, events, bookings, notifications) and of both workers, each a
// real process, against one PostgreSQL (a database of this test), Redis (a key prefix) and Kafka
// (topics and groups of this test), with the clients spread over the instances.
//   1. the hold race and the booking flow across instances keep every invariant (SQL);
//   2. under a steady booking load, a third worker of each kind joins and one leaves (Kafka
//      rebalances): nothing is lost or done twice, and each booking's stream, opened on the
//      bookings instance that did not take the submit, follows the worker's updates;
//   3. a rolling restart (SIGTERM, wait for the exit, start, wait for /health/ready) of every
//      instance, one at a time, under a steady load with booking and seat-map streams open:
//      clients that retry 503 + Retry-After see no other error, streams resume with
//      Last-Event-ID and miss nothing, every booking ends final once.
// Ports are chosen free by the system (SCALE_PORT_BASE=16800 takes them from a fixed range).
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase, testInfra, uniqueTopicPrefix, type TestDatabase } from '@ticketing/testing';
import { checkInvariants, waitFinal } from './faults/invariants.ts';
import { startBalancer, type Balancer } from './scale/balancer.ts';
import { APIS, Cluster, WORKERS, type Instance, type Kind } from './scale/cluster.ts';
import { Clients, SteadyLoad, paymentMethod, type AcceptedBooking } from './scale/load.ts';
import { SeatWatcher } from './scale/seat-watcher.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The workers' drain limit here; the test waits a little longer before it kills one. */
const DRAIN_LIMIT_MS = 120_000;

const id = uniqueTopicPrefix('scale');
const dir = mkdtempSync(path.join(tmpdir(), `${id}-`));
let database: TestDatabase;
let db: pg.Client;
let balancer: Balancer;
let cluster: Cluster;
let clients: Clients;
/** Every booking the clients saw accepted, and every event of the run. */
const accepted: AcceptedBooking[] = [];
const eventIds: string[] = [];

before(async () => {
  database = await createTestDatabase(id);
  // The bookings processes reach the event service through a balancer, as through a Service.
  balancer = await startBalancer(() => cluster.of('events').map((i) => i.port));
  cluster = new Cluster({
    dir,
    id,
    databaseUrl: database.url,
    redisUrl: testInfra.redisUrl,
    kafkaBrokers: testInfra.kafkaBrokers,
    eventsUrl: balancer.url,
    portBase: process.env.SCALE_PORT_BASE ? Number(process.env.SCALE_PORT_BASE) : undefined,
    env: {
      PAYMENT_LATENCY_MS: '300',
      EVENTS_MAX_ACTIVE_HOLDS_PER_USER: '1000',
      EVENTS_SSE_HEARTBEAT_MS: '2000',
      SSE_HEARTBEAT_MS: '2000',
      // A drain is judged by its exit code, not by how long it takes on a loaded machine: the
      // limit is far above what a drain needs, and a hung one still fails (stopped with SIGKILL).
      WORKER_DRAIN_TIMEOUT_MS: String(DRAIN_LIMIT_MS),
      NOTIFICATIONS_DRAIN_TIMEOUT_MS: String(DRAIN_LIMIT_MS),
    },
  });
  // The first instance of each migrates its schema; the second finds it done.
  await Promise.all([...APIS, ...WORKERS].map((kind) => cluster.add(kind)));
  await Promise.all([...APIS, ...WORKERS].map((kind) => cluster.add(kind)));
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
  clients = new Clients(() => ({
    users: cluster.urls('users'),
    events: cluster.urls('events'),
    bookings: cluster.urls('bookings'),
    notifications: cluster.urls('notifications'),
  }));
  await clients.prepareUsers(20);
});

after(async () => {
  await cluster?.stopAll();
  await balancer?.close();
  await db?.end();
  await database?.drop().catch(() => undefined);
  if (process.env.SCALE_KEEP_LOGS) console.log(`scale-out logs kept in ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
});

/** Every invariant in SQL, for the accepted bookings and the events of the run. */
async function assertInvariants(t: TestContext): Promise<void> {
  const ids = accepted.map((b) => b.id);
  const stuck = await waitFinal(db, ids, Date.now() + 120_000);
  assert.deepEqual(stuck, [], `bookings still processing: ${stuck.join(', ')}`);
  const violations = await checkInvariants(db, ids, eventIds);
  const holds = await db.query(
    `SELECT h.event_id, seat, count(*)::int AS holds FROM events.holds h, unnest(h.seat_labels) AS seat
      WHERE h.event_id = ANY($1::uuid[]) AND h.status IN ('active', 'locked') AND h.expires_at > now()
      GROUP BY h.event_id, seat HAVING count(*) > 1 LIMIT 20`,
    [eventIds],
  );
  if (holds.rows.length > 0) violations.push({ invariant: 'one seat in two live holds', rows: holds.rows });
  const captures = await db.query(
    `SELECT reference, count(*)::int AS captures FROM bookings.gateway_charges
      WHERE reference = ANY($1::text[]) AND status = 'captured' GROUP BY reference HAVING count(*) > 1 LIMIT 20`,
    [ids],
  );
  if (captures.rows.length > 0) violations.push({ invariant: 'more than one capture for a booking', rows: captures.rows });
  assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));

  // What each booking's stream ended with is what the database holds, and its versions only went forward.
  const { rows } = await db.query<{ id: string; status: string }>(`SELECT id, status FROM bookings.bookings WHERE id = ANY($1::uuid[])`, [
    ids,
  ]);
  const status = new Map(rows.map((r) => [r.id, r.status]));
  const wrong = accepted.filter((b) => b.final !== status.get(b.id)).map((b) => ({ id: b.id, stream: b.final, db: status.get(b.id) }));
  assert.deepEqual(wrong, [], 'a booking stream ended with another status than the database');
  const backwards = accepted.filter((b) => b.versions.some((v, i) => i > 0 && v <= b.versions[i - 1]!));
  assert.deepEqual(
    backwards.map((b) => ({ id: b.id, versions: b.versions })),
    [],
    'a resumed stream repeated or went back',
  );

  // Every final booking gets its one email (booking_confirmed or booking_failed), none twice.
  // Generous: after a notifications worker left, some emails took longer than 90 s (docs/operations.md).
  const deadline = Date.now() + 240_000;
  for (;;) {
    const { rows: missing } = await db.query<{ id: string }>(
      `SELECT b.id FROM bookings.bookings b WHERE b.id = ANY($1::uuid[]) AND b.status IN ('confirmed', 'failed')
          AND NOT EXISTS (SELECT 1 FROM notifications.deliveries d WHERE d.booking_id = b.id AND d.status = 'sent'
                           AND d.type = 'booking_' || b.status)`,
      [ids],
    );
    if (missing.length === 0) break;
    if (Date.now() > deadline) assert.fail(`no email sent for ${missing.length} final bookings, e.g. ${missing[0]!.id}`);
    await sleep(1000);
  }
  const { rows: emails } = await db.query<{ sent: number; duplicates: number }>(
    `SELECT count(*)::int AS sent, coalesce(sum(duplicates), 0)::int AS duplicates FROM notifications.deliveries
      WHERE booking_id = ANY($1::uuid[])`,
    [ids],
  );
  t.diagnostic(`${ids.length} bookings, ${emails[0]!.sent} emails (one each), ${emails[0]!.duplicates} redelivered messages dropped`);
}

/** No client error since `from` (an index into clients.errors), and no instance died. */
function assertNoClientErrors(from = 0): void {
  assert.deepEqual(
    clients.errors.slice(from),
    [],
    `client errors:\n${JSON.stringify(clients.errors.slice(from), null, 2)}\n${cluster.problems().join('\n')}`,
  );
  assert.deepEqual(cluster.dead(), [], 'an instance died');
}

/** Partitions of `topic` the running worker consumes now (its lag series). */
async function partitionsOf(instance: Instance, topic = 'booking-requests'): Promise<number> {
  const text = await (await fetch(`${instance.url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith('kafka_consumer_lag{') && l.includes(topic)).length;
}

describe('two instances of every API and worker', { timeout: 1_200_000 }, () => {
  it('keep the hold race and the booking flow race-free across instances (invariants in SQL)', { timeout: 240_000 }, async (t) => {
    const { eventId, seats } = await clients.createEvent(40);
    eventIds.push(eventId);
    // 80 buyers race for 40 seats, two seats each, overlapping, on both events instances at once.
    const pairs = Array.from({ length: 80 }, () => {
      const a = Math.floor(Math.random() * seats.length);
      return [seats[a]!, seats[(a + 1 + Math.floor(Math.random() * 3)) % seats.length]!];
    });
    const outcomes = await Promise.all(pairs.map((pair) => clients.flow(eventId, pair, paymentMethod(), accepted)));
    const won = outcomes.filter((o) => o === 'booked').length;
    t.diagnostic(`hold race: ${won} of ${pairs.length} buyers won their seats; the rest were refused`);
    assert.ok(won > 0 && won <= seats.length / 2 + 1);
    assert.ok(new Set(accepted.map((b) => b.submittedTo)).size === 2, 'both bookings instances took submits');
    await assertInvariants(t);
    assertNoClientErrors();
  });

  it(
    'under load, a worker joining and one leaving (Kafka rebalances) lose and duplicate nothing; streams follow workers on other instances',
    { timeout: 420_000 },
    async (t) => {
      const { eventId, seats } = await clients.createEvent(600);
      eventIds.push(eventId);
      const load = new SteadyLoad(clients, eventId, seats);
      const errorsBefore = clients.errors.length;
      const started = Date.now();
      load.start(8);
      await sleep(3_000);
      // A third worker of each kind joins mid-load: the groups rebalance and it takes partitions.
      const [bookingsWorker3, notificationsWorker3] = await Promise.all([
        cluster.add('bookings-worker'),
        cluster.add('notifications-worker'),
      ]);
      // Both groups have settled (a worker leaving in the middle of a rebalance waits it out).
      const deadline = Date.now() + 60_000;
      while ((await partitionsOf(bookingsWorker3)) === 0 || (await partitionsOf(notificationsWorker3, 'notification-requests')) === 0) {
        if (Date.now() > deadline) assert.fail('an added worker got no partition');
        await sleep(500);
      }
      await sleep(3_000);
      // One of the first workers leaves mid-load (its partitions go to the others).
      const [bookingsWorker1, notificationsWorker1] = [cluster.of('bookings-worker')[0]!, cluster.of('notifications-worker')[0]!];
      // Each drains and exits 0 (the bookings in flight finish, offsets are committed).
      const leaving = [bookingsWorker1, notificationsWorker1];
      const exits = await Promise.all(leaving.map((w) => cluster.stop(w, DRAIN_LIMIT_MS + 30_000)));
      leaving.forEach((w, i) => assert.equal(exits[i], 0, `${w.name} exited ${exits[i]} after SIGTERM:\n${cluster.logTail(w)}`));
      await sleep(6_000);
      await load.stop();
      const seconds = (Date.now() - started) / 1000;
      accepted.push(...load.accepted);
      t.diagnostic(
        `${load.flows} flows in ${seconds.toFixed(0)} s, ${load.accepted.length} bookings accepted; ` +
          `bookings-worker-3 took ${await partitionsOf(bookingsWorker3)} of 6 partitions`,
      );
      await assertInvariants(t);
      // Only connection resets may have failed a request here (no 5xx, no refusal): kept-alive
      // connections a server closed while the loaded machine stalled the test process longer
      // than the keep-alive timeout. They are counted, not hidden.
      const errors = clients.errors.slice(errorsBefore);
      const resets = errors.filter((e) => /(UND_ERR_SOCKET|ECONNRESET): /.test(e.detail));
      t.diagnostic(`${resets.length} requests failed with a reset connection`);
      assert.deepEqual(
        errors.filter((e) => !resets.includes(e)),
        [],
      );
      assert.deepEqual(cluster.dead(), [], 'an instance died');
      // Back to two workers of each kind for the rolling restart: the third ones stay, the first ones are gone.
      assert.equal(cluster.of('bookings-worker').length, 2);
      assert.equal(cluster.of('notifications-worker').length, 2);
    },
  );

  it(
    'restart every instance one at a time under load: no failed request, streams resume with Last-Event-ID and miss nothing',
    { timeout: 400_000 },
    async (t) => {
      const { eventId, seats } = await clients.createEvent(1000);
      eventIds.push(eventId);
      const watchers = [0, 1, 0, 1].map(() => new SeatWatcher(clients, eventId));
      watchers.forEach((w, i) => w.start(i % 2, Date.now() + 600_000));
      const before = { errors: clients.errors.length, reconnects: clients.streamReconnects };
      const load = new SteadyLoad(clients, eventId, seats);
      load.start(6);
      await sleep(3_000);
      const order: Kind[] = ['users', 'events', 'bookings', 'notifications', 'bookings-worker', 'notifications-worker'];
      const timings: string[] = [];
      for (const kind of order) {
        for (const instance of cluster.of(kind)) {
          const stopping = Date.now();
          const code = await cluster.stop(instance, DRAIN_LIMIT_MS + 30_000);
          assert.equal(code, 0, `${instance.name} exited ${code} after SIGTERM:\n${cluster.logTail(instance)}`);
          const starting = Date.now();
          await cluster.start(instance);
          timings.push(`${instance.name} ${((starting - stopping) / 1000).toFixed(1)}+${((Date.now() - starting) / 1000).toFixed(1)} s`);
        }
      }
      await sleep(3_000);
      await load.stop();
      accepted.push(...load.accepted);
      t.diagnostic(`drain + start per instance: ${timings.join(', ')}`);
      t.diagnostic(
        `${load.flows} flows, ${load.accepted.length} bookings; 503 + Retry-After retried: ${JSON.stringify(clients.retried)}; ` +
          `refused connections sent elsewhere: ${JSON.stringify(clients.failovers)}; balancer failovers: ${balancer.failovers}; ` +
          `streams resumed: ${clients.streamReconnects - before.reconnects}`,
      );
      await assertInvariants(t);
      assert.ok(load.accepted.some((b) => b.reconnects > 0) || load.accepted.length === 0, 'no booking stream was resumed');
      // The seat maps: every seat booked in the database is booked on every client's map.
      await sleep(2_000);
      const { rows } = await db.query<{ label: string }>(`SELECT label FROM events.seats WHERE event_id = $1 AND status = 'booked'`, [
        eventId,
      ]);
      const booked = rows.map((r) => r.label).sort();
      for (const w of watchers) {
        await w.stop();
        assert.ok(w.connections > 1, 'the seat stream was resumed on another instance');
        assert.deepEqual(w.booked().sort(), booked, 'a seat map missed an update');
      }
      t.diagnostic(`seat streams: ${watchers.map((w) => `${w.connections} connections, ${w.reloads} reloads`).join('; ')}`);
      assertNoClientErrors(before.errors);
    },
  );
});
