import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { issueUserToken, type Role } from '@ticketing/auth';
import type { DeepPartial } from '@ticketing/config';
import { apiClient, listen, readSse, testInfra, uniqueEmail, uniqueTopicPrefix } from '@ticketing/testing';
import {
  buildBookingsApp,
  createBookingsDeps,
  loadBookingsConfig,
  startBookingsWorker,
  startOutboxRelay,
  type BookingsConfig,
  type BookingsDeps,
  type GivenAdapters,
} from '../src/index.ts';

export type Overrides = DeepPartial<BookingsConfig>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function merge<T>(a: T, b: unknown): T {
  if (!isObject(a) || !isObject(b)) return (b === undefined ? a : b) as T;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
  return out as T;
}

/**
 * Overrides for one test file: its own Kafka topics, consumer group and Redis key prefix, so
 * test files running in parallel against the same servers never see each other's messages.
 */
export function isolatedOverrides(extra: Overrides = {}): Overrides {
  const id = uniqueTopicPrefix('bk');
  const base: Overrides = {
    log: { level: 'silent' },
    database: { url: testInfra.databaseUrl },
    redis: { url: testInfra.redisUrl, keyPrefix: `${id}:` },
    kafka: {
      brokers: testInfra.kafkaBrokers,
      clientId: id,
      topics: {
        bookingRequests: `${id}.booking-requests`,
        notificationRequests: `${id}.notification-requests`,
        ticketCheckIns: `${id}.ticket-check-ins`,
        eventCancellations: `${id}.event-cancellations`,
        eventChanges: `${id}.event-changes`,
        bookingCancellations: `${id}.booking-cancellations`,
      },
      workerGroup: `${id}-workers`,
      cancellationGroup: `${id}-cancellation-workers`,
      rescheduleGroup: `${id}-reschedule-notifiers`,
      partitions: 3,
    },
    payments: { latencyMs: 100 },
    worker: { concurrency: 50, retryBaseMs: 50, retryMaxMs: 400 },
    outbox: { intervalMs: 100, maxBackoffMs: 500 },
    reconciler: { enabled: false },
  };
  return merge(base, extra);
}

export function bookingsConfig(overrides: Overrides = {}) {
  return loadBookingsConfig(isolatedOverrides(overrides), {});
}

export interface StartedBookings {
  config: Readonly<BookingsConfig>;
  deps: BookingsDeps;
  baseUrl: string;
  api: ReturnType<typeof apiClient>;
  close(): Promise<void>;
}

/**
 * Starts the booking API on a real port, and (unless told otherwise) its outbox relay and its
 * worker, against the real PostgreSQL, Redis and Kafka.
 */
export async function startBookings(
  config: Readonly<BookingsConfig>,
  opts: { relay?: boolean; worker?: boolean; given?: GivenAdapters } = {},
): Promise<StartedBookings> {
  const deps = await createBookingsDeps(config, opts.given ?? {});
  const app = await buildBookingsApp(deps);
  const relay = opts.relay === false ? undefined : startOutboxRelay(deps);
  const worker = opts.worker === false ? undefined : await startBookingsWorker(deps);
  const baseUrl = await listen(app);
  return {
    config,
    deps,
    baseUrl,
    api: apiClient(baseUrl),
    async close() {
      await app.close();
      await worker?.close();
      await relay?.close();
      await deps.close();
    },
  };
}

export interface TestUser {
  userId: string;
  email: string;
  token: string;
}

export function newUser(config: Readonly<BookingsConfig>, role: Role = 'user', name?: string): TestUser {
  const userId = randomUUID();
  const email = uniqueEmail('booker');
  const { token } = issueUserToken(name === undefined ? { userId, email, role } : { userId, email, role, name }, config.jwt);
  return { userId, email, token };
}

// This service's tests import it from here, with the other helpers.
export { waitFor } from '@ticketing/testing';

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** A minimal EventSource over fetch: collects events and comments until the server closes the stream. */
export function openStream(url: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const controller = new AbortController();
  let status = 0;
  let responseHeaders: Headers | undefined;
  let resolveOpen!: () => void;
  const opened = new Promise<void>((r) => (resolveOpen = r));
  const done = (async () => {
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
    status = res.status;
    responseHeaders = res.headers;
    resolveOpen();
    if (!res.body) return;
    await readSse(res.body, (block) => {
      if (block.comment !== undefined) comments.push(block.comment);
      if (block.id !== undefined || block.event !== undefined || block.data !== undefined) {
        events.push({ event: block.event ?? 'message', data: block.data ?? '', ...(block.id !== undefined ? { id: block.id } : {}) });
      }
    });
  })().catch((err: unknown) => {
    resolveOpen();
    if (!(err instanceof Error && err.name === 'AbortError')) throw err;
  });
  return {
    events,
    comments,
    opened,
    /** Resolves when the server ends the stream. */
    done,
    get status() {
      return status;
    },
    get headers() {
      return responseHeaders;
    },
    close: () => controller.abort(),
  };
}

const WORKER = fileURLToPath(new URL('../src/worker.ts', import.meta.url));
const workers = new Set<ChildProcess>();

export interface WorkerProcess {
  child: ChildProcessWithoutNullStreams;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote to stdout and stderr so far. */
  output(): string;
}

/**
 * The bookings worker as a child process (`node src/worker.ts`), so a test can kill it for real:
 * on `config`'s database, Redis, events service, secrets, and this test file's own topics and
 * consumer groups. `entry` runs another entry point (a fixture around the worker). killWorkers()
 * ends the ones still running.
 */
export function spawnWorker(
  config: Readonly<BookingsConfig>,
  opts: { paymentLatencyMs: number; env?: NodeJS.ProcessEnv; entry?: string },
): WorkerProcess {
  const { kafka } = config;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LOG_LEVEL: 'warn',
    DATABASE_URL: config.database.url,
    REDIS_URL: config.redis.url,
    REDIS_KEY_PREFIX: config.redis.keyPrefix,
    KAFKA_BROKERS: kafka.brokers,
    KAFKA_PARTITIONS: String(kafka.partitions),
    BOOKING_REQUESTS_TOPIC: kafka.topics.bookingRequests,
    NOTIFICATION_REQUESTS_TOPIC: kafka.topics.notificationRequests,
    EVENT_CANCELLATIONS_TOPIC: kafka.topics.eventCancellations,
    EVENT_CHANGES_TOPIC: kafka.topics.eventChanges,
    TICKET_CHECK_INS_TOPIC: kafka.topics.ticketCheckIns,
    BOOKING_CANCELLATIONS_TOPIC: kafka.topics.bookingCancellations,
    BOOKING_WORKERS_GROUP: kafka.workerGroup,
    CANCELLATION_WORKERS_GROUP: kafka.cancellationGroup,
    RESCHEDULE_WORKERS_GROUP: kafka.rescheduleGroup,
    EVENTS_URL: config.events.url,
    JWT_SECRET: config.jwt.secret,
    INTERNAL_JWT_SECRET: config.jwt.internalSecret,
    JWT_ISSUER: config.jwt.issuer,
    PAYMENT_LATENCY_MS: String(opts.paymentLatencyMs),
    WORKER_RETRY_BASE_MS: '100',
    RECONCILER_ENABLED: 'false',
    ...opts.env,
  };
  const child = spawn(process.execPath, [opts.entry ?? WORKER], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  workers.add(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      workers.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, exited, output: () => output };
}

/** Kills (SIGKILL) every worker spawnWorker started that is still running: for `after`. */
export function killWorkers(): void {
  for (const child of workers) child.kill('SIGKILL');
}
