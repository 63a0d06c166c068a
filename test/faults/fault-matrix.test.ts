// The fault matrix (docs/operations.md "Fault matrix"): the platform in distributed mode on its
// own PostgreSQL, Redis and Kafka, a booking load running, and one fault at a time: SIGKILL of
// each process (then restarted), idle-in-transaction backends terminated, Redis and Kafka each
// stopped for 20 s, a PostgreSQL restart. After each fault the invariants are checked in SQL,
// and the clients must see no error once recovery (dependency back + 10 s) is over.
//   npm run test:faults                      every fault (11-15 minutes on a shared 2-core machine)
//   FAULTS=kafka-stop npm run test:faults    one fault (keys below; comma-separated for several)
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startPrivateInfra, type PrivateInfra } from './infra.ts';
import { checkInvariants, waitFinal } from './invariants.ts';
import { BookingLoad } from './load.ts';
import { lostSeatEvents } from './seat-events.ts';
import { PROCESS_NAMES, Platform, type ProcessName } from './platform.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const base = Number(process.env.FAULTS_PORT_BASE ?? 15700);
const RATE = Number(process.env.FAULTS_RATE ?? 30);
const only = process.env.FAULTS ? new Set(process.env.FAULTS.split(',').map((s) => s.trim())) : undefined;
/** Recovery must be over this long after the dependency is back. */
const RECOVERY_MS = 10_000;
/** Load before the fault, and load observed after recovery is over. */
const WARMUP_MS = 3_000;
const OBSERVE_MS = 6_000;
/** Every accepted booking must be final this long after the dependency is back. */
const FINAL_WITHIN_MS = 60_000;
const OUTAGE_MS = 20_000;

interface Fault {
  key: string;
  name: string;
  /** Injects the fault; resolves at the moment the dependency is back. */
  inject(t: TestContext): Promise<number>;
  /** A known, reported bug whose fix has not landed yet (node:test TODO: reported, not failing). */
  todo?: string;
  /** Also check that no seat event was lost on Kafka (a subtest; TODO while bug 4 is open). */
  seatEvents?: boolean;
}

let dir = '';
let infra: PrivateInfra | undefined;
let platform: Platform | undefined;

const killFault = (name: ProcessName): Fault => ({
  key: `kill-${name}`,
  name: `SIGKILL of ${name}, then restart`,
  async inject() {
    await platform!.kill(name);
    await platform!.startProcess(name);
    return Date.now();
  },
});

const faults: Fault[] = [
  ...PROCESS_NAMES.map(killFault),
  {
    key: 'pg-terminate',
    name: 'pg_terminate_backend of idle-in-transaction backends',
    async inject(t) {
      const db = await infra!.postgres.connect();
      const killed = new Map<string, number>();
      const end = Date.now() + 5_000;
      try {
        while (Date.now() < end) {
          const { rows } = await db.query<{ app: string }>(
            `SELECT application_name AS app, pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = 'ticketing' AND state = 'idle in transaction' AND pid <> pg_backend_pid()`,
          );
          for (const r of rows) killed.set(r.app, (killed.get(r.app) ?? 0) + 1);
          if (rows.length === 0) await sleep(5);
        }
      } finally {
        await db.end();
      }
      t.diagnostic(`terminated idle-in-transaction backends: ${JSON.stringify(Object.fromEntries(killed))}`);
      // Without a single termination the fault was not injected, and the case proves nothing.
      assert.ok(killed.size > 0, 'no backend was idle in a transaction during 5 s of load');
      return Date.now();
    },
  },
  {
    key: 'redis-stop',
    name: `Redis stopped for ${OUTAGE_MS / 1000} s`,
    async inject(t) {
      const stopping = Date.now();
      await infra!.redis.stop();
      const stopped = Date.now();
      await sleep(OUTAGE_MS - (stopped - stopping));
      const starting = Date.now();
      const backAt = await infra!.redis.start();
      t.diagnostic(
        `stop took ${((stopped - stopping) / 1000).toFixed(1)} s, back ${((backAt - starting) / 1000).toFixed(1)} s after the start`,
      );
      return backAt;
    },
  },
  {
    key: 'kafka-stop',
    name: `Kafka stopped for ${OUTAGE_MS / 1000} s`,
    seatEvents: true,
    async inject(t) {
      const stopping = Date.now();
      await infra!.kafka.stop();
      const stopped = Date.now();
      await sleep(OUTAGE_MS - (stopped - stopping));
      const starting = Date.now();
      const backAt = await infra!.kafka.start();
      t.diagnostic(
        `stop took ${((stopped - stopping) / 1000).toFixed(1)} s, back ${((backAt - starting) / 1000).toFixed(1)} s after the start`,
      );
      return backAt;
    },
  },
  {
    key: 'pg-restart',
    name: 'PostgreSQL restart (pg_ctl -m fast stop, then start)',
    async inject(t) {
      const stopping = Date.now();
      await infra!.postgres.stop();
      const starting = Date.now();
      const backAt = await infra!.postgres.start();
      t.diagnostic(
        `stop took ${((starting - stopping) / 1000).toFixed(1)} s, back ${((backAt - starting) / 1000).toFixed(1)} s after the start`,
      );
      return backAt;
    },
  },
];

async function withDb<T>(fn: (db: Awaited<ReturnType<PrivateInfra['postgres']['connect']>>) => Promise<T>): Promise<T> {
  const db = await infra!.postgres.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

const pct = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/** Runs bookings until one is final (a platform that works); resolves with how long it took. */
async function firstBooking(p: Platform): Promise<number> {
  const started = Date.now();
  const warmup = new BookingLoad(p.urls);
  await warmup.prepare(2);
  const { eventId, seats } = await warmup.createEvent(200);
  warmup.start(eventId, seats, 2);
  try {
    while (![...warmup.accepted.values()].some((b) => b.final !== undefined)) {
      if (Date.now() - started > 180_000) throw new Error(`no booking became final within 180 s (logs in ${dir})`);
      await sleep(250);
    }
  } finally {
    await warmup.stop();
  }
  return Date.now() - started;
}

/** Set when a case failed: its damage (a process alive but no longer consuming) must not spill over. */
let restartNeeded = false;

async function runFault(t: TestContext, fault: Fault): Promise<void> {
  const p = platform!;
  if (restartNeeded) {
    await p.stop();
    await p.start();
    const ms = await firstBooking(p);
    restartNeeded = false;
    t.diagnostic(`every process restarted after the previous case failed; first booking final after ${(ms / 1000).toFixed(1)} s`);
  }
  restartNeeded = true;

  const load = new BookingLoad(p.urls);
  await load.prepare(10);
  const { eventId, seats } = await load.createEvent(5000);
  const loadStarted = Date.now();
  load.start(eventId, seats, RATE);
  await sleep(WARMUP_MS);

  const faultAt = Date.now();
  let backAt: number;
  try {
    backAt = await fault.inject(t);
  } catch (err) {
    await load.stop();
    throw err;
  }
  const recoveryEnd = backAt + RECOVERY_MS;
  await sleep(recoveryEnd + OBSERVE_MS - Date.now());
  const loadSeconds = (Date.now() - loadStarted) / 1000;
  await load.stop();

  const accepted = [...load.accepted.values()];
  const ids = accepted.map((b) => b.id);
  const { stuck, violations } = await withDb(async (db) => {
    const stuck = await waitFinal(db, ids, Math.max(backAt + FINAL_WITHIN_MS, Date.now() + 5_000));
    return { stuck, violations: await checkInvariants(db, ids, [eventId]) };
  });

  if (fault.seatEvents) {
    await t.test('no seat event lost on Kafka', async (st) => {
      const lost = await withDb((db) => lostSeatEvents(db, infra!.kafka.brokers, eventId));
      st.diagnostic(`read ${lost.read} seat events`);
      assert.deepEqual(
        { missingHeld: lost.missingHeld.length, missingBooked: lost.missingBooked.length },
        { missingHeld: 0, missingBooked: 0 },
        `holds without their seats.held / seats.booked message, e.g. ${JSON.stringify([...lost.missingHeld, ...lost.missingBooked].slice(0, 5))}`,
      );
    });
  }

  const failures: string[] = [];
  for (const v of violations) failures.push(`${v.invariant}: ${JSON.stringify(v.rows.slice(0, 5))}`);
  if (stuck.length > 0) failures.push(`${stuck.length} accepted bookings not final ${FINAL_WITHIN_MS / 1000} s after recovery`);

  const dead = p.dead();
  for (const d of dead) failures.push(`process ${d.name} exited (${d.exit}) — not killed by the test:\n${d.log}`);

  const late = load.errors.filter((e) => e.startedAt >= recoveryEnd);
  if (late.length > 0) {
    failures.push(
      `${late.length} client errors after recovery (dependency back + ${RECOVERY_MS / 1000} s), e.g.:\n` +
        late
          .slice(0, 5)
          .map((e) => `  +${((e.startedAt - backAt) / 1000).toFixed(1)}s ${e.op}: ${e.detail}`)
          .join('\n'),
    );
  }

  // Recovered: bookings reach their final state again (the first one seen after the dependency
  // is back; the backlog of the outage drains after that, checked by the 60 s limit above).
  const recovered = accepted.filter((b) => b.finalAt !== undefined && b.finalAt >= backAt).map((b) => b.finalAt!);
  const recoveredAt = recovered.length > 0 ? Math.min(...recovered) : undefined;
  if (recoveredAt === undefined || recoveredAt - backAt > RECOVERY_MS) {
    failures.push(
      recoveredAt === undefined
        ? 'no booking started after the dependency was back reached a final state'
        : `recovery took ${((recoveredAt - backAt) / 1000).toFixed(1)} s after the dependency was back (limit ${RECOVERY_MS / 1000} s)`,
    );
  }

  const finals = accepted.filter((b) => b.finalAt !== undefined);
  const byStatus = (s: string) => finals.filter((b) => b.final === s).length;
  const during = load.errors.filter((e) => e.startedAt < recoveryEnd);
  t.diagnostic(
    `fault took ${((backAt - faultAt) / 1000).toFixed(1)} s; flows ${load.flowsStarted} (skipped ${load.flowsSkipped}), ` +
      `accepted ${accepted.length} (${(accepted.length / loadSeconds).toFixed(1)}/s), seen final ${finals.length} (confirmed ${byStatus('confirmed')}, failed ${byStatus('failed')}); ` +
      `time to final p50 ${pct(
        finals.map((b) => b.finalAt! - b.acceptedAt),
        50,
      )} ms, p99 ${pct(
        finals.map((b) => b.finalAt! - b.acceptedAt),
        99,
      )} ms; 503+Retry-After waited out ${load.retried.length}; ` +
      `client errors before recovery end ${during.length}, after ${late.length}; ` +
      `recovered ${recoveredAt === undefined ? 'never' : `${((recoveredAt - backAt) / 1000).toFixed(1)} s`} after the dependency was back`,
  );
  if (during.length > 0)
    t.diagnostic(
      `first errors during the fault: ${during
        .slice(0, 3)
        .map((e) => `${e.op}: ${e.detail}`)
        .join(' | ')}`,
    );

  if (failures.length === 0) restartNeeded = false;
  if (failures.length > 0) {
    const logs = p.problems(faultAt);
    assert.fail(
      `${fault.name}:\n- ${failures.join('\n- ')}\n--- first errors logged since the fault (logs in ${dir}) ---\n${logs.join('\n')}`,
    );
  }
}

describe('fault matrix (distributed mode, private PostgreSQL, Redis and Kafka)', { concurrency: false }, () => {
  before(
    async () => {
      // FAULTS_DIR: a directory chosen by the caller (CI cleans up from <FAULTS_DIR>/infra.env).
      dir = process.env.FAULTS_DIR ?? mkdtempSync(path.join(tmpdir(), 'ticketing-faults-'));
      mkdirSync(dir, { recursive: true });
      // The postgres OS user runs the private cluster inside this directory (infra.sh).
      chmodSync(dir, 0o755);
      infra = await startPrivateInfra(path.join(dir, 'infra'), {
        postgres: base + 32,
        redis: base + 79,
        kafka: base + 92,
        kafkaController: base + 93,
      });
      platform = new Platform({
        dir,
        ports: { users: base + 81, events: base + 82, bookings: base + 83, notifications: base + 84, smtp: base + 25 },
        databaseUrl: infra.postgres.url,
        redisUrl: infra.redis.url,
        kafkaBrokers: infra.kafka.brokers,
        env: {
          // Short payments keep each case short; the code paths are the same.
          PAYMENT_LATENCY_MS: '200',
          // Cheap password hashing: the load registers a buyer every half second.
          BCRYPT_ROUNDS: '4',
          LOGIN_RATE_LIMIT_PER_IP: '1000000',
          LOGIN_RATE_LIMIT_PER_EMAIL: '1000',
          EVENTS_MAX_ACTIVE_HOLDS_PER_USER: '100000',
        },
      });
      await platform.start();
      const ms = await firstBooking(platform);
      console.log(`# platform up; first booking final ${(ms / 1000).toFixed(1)} s after every process was ready`);
    },
    { timeout: 300_000 },
  );

  after(async () => {
    await platform?.stop();
    await infra?.stop();
    if (dir && process.env.FAULTS_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  });

  for (const fault of faults) {
    const skip = only !== undefined && !only.has(fault.key);
    it(`${fault.key}: ${fault.name}`, { skip, todo: fault.todo, timeout: 240_000 }, (t) => runFault(t, fault));
  }
});
