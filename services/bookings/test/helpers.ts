import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { issueUserToken, type Role } from '@ticketing/auth';
import type { DeepPartial } from '@ticketing/config';
import { apiClient, listen, readSse, testInfra, uniqueEmail, uniqueId } from '@ticketing/testing';
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
  const id = uniqueId('bk');
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

/** Polls until `probe` returns a value (not undefined); for waiting on asynchronous outcomes. */
export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

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
