// Outgoing webhook dispatch throughput (issue 14): deliveries/s to a local receiver, beside a bare
// HTTP client loop in the same run.
//
//   node bench/webhooks/run.ts [--deliveries 2000] [--concurrency 16] [--rounds 1]
//
// The receiver is its own process (bench/webhooks/receiver.ts: answers 204). Per round:
//   1. baseline: a bare loop of node:http POSTs of a real webhook body (same size, same headers'
//      size), `--concurrency` at a time, keep-alive, as the sender's agent; no database;
//   2. dispatch: N deliveries already in the table (recorded by the intake beforehand, not timed),
//      sent by the real dispatcher (claim with lease, sign, POST, record attempt + outcome);
//   3. from Kafka: N `ticket-check-ins` messages published to a fresh topic and taken by the real
//      worker (webhook consumer → intake → dispatcher), timed from the first publish to the last
//      delivery.
// Reports deliveries/s of each and the ratios to the baseline. Needs PostgreSQL and Kafka
// (DATABASE_URL, KAFKA_BROKERS); not part of npm test.
import { fork } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { issueUserToken, verifyUserToken } from '@ticketing/auth';
import { createKafkaBus } from '@ticketing/bus';
import { ticketCheckIns } from '@ticketing/contracts';
import { testInfra, uniqueId } from '@ticketing/testing';
import {
  createNotificationsDeps,
  loadNotificationsConfig,
  startNotificationsWorker,
  type NotificationsDeps,
} from '../../services/notifications/src/index.ts';
import { envelopeOf, webhookEventId } from '../../services/notifications/src/webhooks/webhook-intake.ts';
import { ticketCheckedInEvent } from '../../services/notifications/src/webhooks/webhook-consumer.ts';

const { values } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '1' },
  },
});
const N = Number(values.deliveries);
const C = Number(values.concurrency);
const ROUNDS = Number(values.rounds);

// --- the receiver, in its own process ---
const receiver = fork(path.join(import.meta.dirname, 'receiver.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const port = await new Promise<number>((resolve) => receiver.once('message', (m: { port: number }) => resolve(m.port)));
const url = `http://127.0.0.1:${port}/hooks`;
const answeredByReceiver = () =>
  new Promise<number>((resolve) => {
    receiver.once('message', (m: { answered: number }) => resolve(m.answered));
    receiver.send({ type: 'count' });
  });

// --- the notification service's dependencies on the real PostgreSQL and Kafka ---
const id = uniqueId('bench-webhooks');
const topics = {
  notificationRequests: `${id}.notification-requests`,
  accountEmails: `${id}.account-emails`,
  waitlistOffers: `${id}.waitlist-offers`,
  eventChanges: `${id}.event-changes`,
  eventCancellations: `${id}.event-cancellations`,
  bookingCancellations: `${id}.booking-cancellations`,
  ticketCheckIns: `${id}.ticket-check-ins`,
};
const config = loadNotificationsConfig(
  {
    log: { level: 'warn' },
    database: { url: testInfra.databaseUrl },
    redis: { url: testInfra.redisUrl },
    kafka: { brokers: testInfra.kafkaBrokers, topics },
    consumer: { groupId: `${id}-notifications` },
    reminders: { enabled: false },
    webhooks: { groupId: `${id}-webhooks`, allowInsecureTargets: true, concurrency: C },
  },
  {},
);
const deps: NotificationsDeps = await createNotificationsDeps(config);
const organizationId = randomUUID();
// The endpoint belongs to a personal organization (its id is the user's).
const owner = verifyUserToken(
  issueUserToken({ userId: organizationId, email: 'bench@example.test', role: 'user' }, config.jwt).token,
  config.jwt,
);
const endpoint = await deps.webhooksService.create(owner, {
  organization_id: organizationId,
  url,
  event_types: ['ticket.checked_in'],
});

function checkIn(ticketId: string) {
  const at = new Date().toISOString();
  return {
    type: 'ticket.checked_in' as const,
    ticket_id: ticketId,
    event_id: organizationId,
    organization_id: organizationId,
    booking_id: randomUUID(),
    seat: 'A1',
    gate: 'North',
    checked_in_at: at,
    checked_in_by: organizationId,
    source: 'online' as const,
    timestamp: at,
  };
}

/** What the intake makes of a check-in (the consumer's own mapping), for the dispatch-only phase. */
function webhookEvent(ticketId: string) {
  return ticketCheckedInEvent(checkIn(ticketId));
}

async function waitUntil(done: () => boolean | Promise<boolean>) {
  while (!(await done())) await new Promise((r) => setTimeout(r, 5));
}

// --- 1. the bare HTTP client loop ---
async function baseline(): Promise<number> {
  const e = webhookEvent(randomUUID());
  const body = envelopeOf(webhookEventId(e.type, e.key), e);
  // Headers of the same size as the dispatcher's (signature, ids, type, attempt).
  const headers = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'user-agent': 'Ticketing-Webhooks/1',
    'ticketing-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
    'ticketing-event-id': webhookEventId(e.type, e.key),
    'ticketing-event-type': e.type,
    'ticketing-delivery-id': randomUUID(),
    'ticketing-delivery-attempt': '1',
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let next = 0;
  let ok = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < N) {
        next++;
        const status = await new Promise<number>((resolve, reject) => {
          const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end(body);
        });
        if (status >= 200 && status < 300) ok++;
      }
    }),
  );
  const ms = performance.now() - t;
  agent.destroy();
  if (ok !== N) throw new Error(`baseline: ${ok} of ${N} answered 2xx`);
  return (N / ms) * 1000;
}

// --- 2. the dispatcher, from deliveries already in the table ---
async function dispatchOnly(): Promise<number> {
  const ids = Array.from({ length: N }, () => randomUUID());
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < ids.length) await deps.webhookIntake.record(webhookEvent(ids[next++]!));
    }),
  );
  const before = deps.webhookDispatcher.stats.delivered;
  const t = performance.now();
  deps.webhookDispatcher.start();
  await waitUntil(() => deps.webhookDispatcher.stats.delivered - before >= N);
  const ms = performance.now() - t;
  await deps.webhookDispatcher.stop();
  return (N / ms) * 1000;
}

// --- 3. end to end from Kafka: consumer → intake → dispatcher ---
const producer = createKafkaBus({ brokers: testInfra.kafkaBrokers.split(','), clientId: `${id}-producer` });
await producer.ensureTopics([topics.ticketCheckIns]);
async function fromKafka(): Promise<number> {
  const worker = await startNotificationsWorker(deps);
  // Wait for the group to be joined: a first message delivered end to end.
  const before = deps.webhookDispatcher.stats.delivered;
  const warm = checkIn(randomUUID());
  await producer.publisher().publish([ticketCheckIns.message({ topic: topics.ticketCheckIns, key: warm.event_id, value: warm })]);
  await waitUntil(() => deps.webhookDispatcher.stats.delivered > before);
  const start = deps.webhookDispatcher.stats.delivered;
  const t = performance.now();
  for (let i = 0; i < N; i += 500) {
    const batch = Array.from({ length: Math.min(500, N - i) }, () => {
      const c = checkIn(randomUUID());
      return ticketCheckIns.message({ topic: topics.ticketCheckIns, key: c.event_id, value: c });
    });
    await producer.publisher().publish(batch);
  }
  await waitUntil(() => deps.webhookDispatcher.stats.delivered - start >= N);
  const ms = performance.now() - t;
  await worker.close();
  return (N / ms) * 1000;
}

const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
const { rows: size } = await deps.db.query<{ db: string; mb: string }>(
  `SELECT current_database() AS db, round(pg_database_size(current_database()) / 1048576.0)::text AS mb`,
);
console.log(
  `commit ${commit}${dirty ? ' (+ local changes)' : ''}, ${cpus()[0]?.model} × ${cpus().length}, node ${process.version}, ` +
    `database ${size[0]!.db} ${size[0]!.mb} MB, ${N} deliveries per phase, concurrency ${C}, ` +
    `body ${Buffer.byteLength(envelopeOf(webhookEventId('ticket.checked_in', 'x'), webhookEvent(randomUUID())))} bytes`,
);
console.log('| round | load (1 min) | baseline req/s | dispatch deliveries/s | ratio | Kafka → delivered /s | ratio |');
console.log('|---|---|---|---|---|---|---|');
for (let round = 1; round <= ROUNDS; round++) {
  const load = loadavg()[0]!.toFixed(1);
  const base = await baseline();
  const dispatch = await dispatchOnly();
  const kafka = await fromKafka();
  console.log(
    `| ${round} | ${load}–${loadavg()[0]!.toFixed(1)} | ${base.toFixed(0)} | ${dispatch.toFixed(0)} | ${(dispatch / base).toFixed(2)} | ` +
      `${kafka.toFixed(0)} | ${(kafka / base).toFixed(2)} |`,
  );
}
// Every delivery of this run ended delivered, none twice: the receiver's count is the sum of the phases.
const { rows } = await deps.db.query<{ status: string; n: string }>(
  'SELECT status, count(*)::text AS n FROM webhook_deliveries WHERE endpoint_id = $1 GROUP BY status',
  [endpoint.endpoint_id],
);
console.log(`delivery rows: ${rows.map((r) => `${r.status} ${r.n}`).join(', ')}; receiver answered ${await answeredByReceiver()}`);

// Leave no rows behind: the bench's endpoint and its deliveries (attempts cascade), then its events.
await deps.db.query('DELETE FROM webhook_endpoints WHERE id = $1', [endpoint.endpoint_id]);
await deps.db.query('DELETE FROM webhook_events WHERE organization_id = $1', [organizationId]);
await producer.close();
await deps.close();
receiver.send({ type: 'stop' });
