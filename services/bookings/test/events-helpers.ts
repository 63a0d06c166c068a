// The real event service, started in-process, and the calls the tests make to it; plus SQL checks.
import type { AddressInfo } from 'node:net';
import { issueInternalToken } from '@ticketing/auth';
import { buildEventsApp, createEventsDeps, loadEventsConfig } from '@ticketing/events-service';
import { apiClient, testInfra, uniqueId } from '@ticketing/testing';
import type { BookingsConfig, BookingsDeps } from '../src/index.ts';
import { merge, waitFor, type TestUser } from './helpers.ts';

export interface StartedEvents {
  baseUrl: string;
  port: number;
  api: ReturnType<typeof apiClient>;
  /** Calls to the internal hold API with a service token. */
  internal: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any; text: string }>;
  deps: Awaited<ReturnType<typeof createEventsDeps>>;
  close(): Promise<void>;
}

/** Starts the event service on a real port (`port`, e.g. to restart one where it was; else any free one). */
export async function startEvents(
  jwt: BookingsConfig['jwt'],
  overrides: Record<string, unknown> = {},
  opts: { port?: number } = {},
): Promise<StartedEvents> {
  const config = loadEventsConfig(
    merge(
      {
        log: { level: 'silent' },
        database: { url: testInfra.databaseUrl },
        redis: { url: testInfra.redisUrl, keyPrefix: `${uniqueId('ev')}:` },
        kafka: { brokers: testInfra.kafkaBrokers, enabled: false },
        jwt,
        maxActiveHoldsPerUser: 1000,
        sweeperIntervalMs: 500,
      },
      overrides,
    ),
    {},
  );
  const deps = await createEventsDeps(config);
  const app = await buildEventsApp(deps);
  await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  const { port } = app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  deps.sweeper.start();
  // With Kafka enabled (cancellation tests), the outbox (seat events, cancellations) is published.
  deps.relay?.start();
  const api = apiClient(baseUrl);
  return {
    baseUrl,
    port,
    api,
    deps,
    internal: (method, path, body) =>
      api(method, path, {
        body,
        token: issueInternalToken('bookings-test', { secret: jwt.internalSecret, issuer: jwt.issuer, ttlSeconds: 300 }),
      }),
    async close() {
      await app.close();
      await deps.close();
    },
  };
}

/**
 * The event service with Kafka on, publishing to the topics of this bookings config: its
 * cancellations (and, with `eventChanges`, its date and venue changes) reach the bookings worker.
 */
export function startEventsOnKafka(
  jwt: BookingsConfig['jwt'],
  kafka: BookingsConfig['kafka'],
  opts: { eventChanges?: boolean } = {},
): Promise<StartedEvents> {
  return startEvents(jwt, {
    kafka: {
      enabled: true,
      ...(opts.eventChanges ? { eventChangesTopic: kafka.topics.eventChanges } : {}),
      eventCancellationsTopic: kafka.topics.eventCancellations,
      seatEventsTopic: `${kafka.clientId}.seats`,
    },
    outbox: { intervalMs: 100 },
  });
}

/** Creates an event (owned by `user`) through the event service's public API. */
export async function createEvent(events: StartedEvents, user: TestUser, patch: Record<string, unknown> = {}) {
  const res = await events.api('POST', '/api/events', {
    token: user.token,
    body: {
      name: `Booking test ${uniqueId('ev')}`,
      venue: 'Test Arena',
      city: 'Lisbon',
      category: 'concert',
      event_date: new Date(Date.now() + 30 * 86400_000).toISOString(),
      total_seats: 100,
      price_per_seat: 49.99,
      seats_per_row: 10,
      ...patch,
    },
  });
  if (res.status !== 201) throw new Error(`create event: ${res.status} ${res.text}`);
  return res.body as { event_id: string; name: string; venue: string; event_date: string };
}

export interface TestHold {
  hold_id: string;
  event_id: string;
  held_seats: string[];
  total_price: number;
  expires_at: string;
}

export async function holdSeats(events: StartedEvents, user: TestUser, eventId: string, seats: string[]): Promise<TestHold> {
  const res = await events.api('POST', `/api/events/${eventId}/hold`, { token: user.token, body: { seat_numbers: seats } });
  if (res.status !== 201) throw new Error(`hold: ${res.status} ${res.text}`);
  return res.body as TestHold;
}

/** Counts the charges the simulated gateway made for a booking (by its order reference). */
export async function chargesFor(deps: BookingsDeps, bookingId: string) {
  const { rows } = await deps.db.query<{ captured: string; total: string; refunded: string }>(
    `SELECT count(*) FILTER (WHERE status = 'captured') AS captured, count(*) AS total,
            count(*) FILTER (WHERE refunded_at IS NOT NULL) AS refunded
       FROM gateway_charges WHERE reference = $1`,
    [bookingId],
  );
  return { captured: Number(rows[0]!.captured), total: Number(rows[0]!.total), refunded: Number(rows[0]!.refunded) };
}

/** Waits until the booking is final and returns its row. */
export async function waitForFinal(deps: BookingsDeps, bookingId: string, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const row = await deps.bookingsRepository.findById(bookingId);
      return row && row.status !== 'processing' && row.status !== 'payment_action_required' ? row : undefined;
    },
    `booking ${bookingId} to be final`,
    timeoutMs,
  );
}

/** The invariants of the issue, checked in SQL over a set of bookings. */
export async function assertInvariants(deps: BookingsDeps, holdIds: readonly string[]) {
  const perHold = await deps.db.query<{ hold_id: string; n: string }>(
    'SELECT hold_id, count(*) AS n FROM bookings WHERE hold_id = ANY($1::uuid[]) GROUP BY hold_id HAVING count(*) > 1',
    [holdIds],
  );
  const perBooking = await deps.db.query<{ reference: string; n: string }>(
    `SELECT c.reference, count(*) AS n FROM gateway_charges c JOIN bookings b ON b.id::text = c.reference
      WHERE b.hold_id = ANY($1::uuid[]) AND c.status = 'captured' GROUP BY c.reference HAVING count(*) > 1`,
    [holdIds],
  );
  const notFinal = await deps.db.query<{ id: string }>(
    `SELECT id FROM bookings WHERE hold_id = ANY($1::uuid[]) AND status = 'processing'`,
    [holdIds],
  );
  const unpaidConfirmed = await deps.db.query<{ id: string }>(
    `SELECT b.id FROM bookings b LEFT JOIN gateway_charges c ON c.reference = b.id::text AND c.status = 'captured' AND c.refunded_at IS NULL
      WHERE b.hold_id = ANY($1::uuid[]) AND b.status = 'confirmed' AND c.payment_id IS NULL`,
    [holdIds],
  );
  const keptMoney = await deps.db.query<{ id: string }>(
    `SELECT b.id FROM bookings b JOIN gateway_charges c ON c.reference = b.id::text AND c.status = 'captured' AND c.refunded_at IS NULL
      WHERE b.hold_id = ANY($1::uuid[]) AND b.status = 'failed'`,
    [holdIds],
  );
  return {
    bookingsPerHoldOverOne: perHold.rows.length,
    capturesPerBookingOverOne: perBooking.rows.length,
    notFinal: notFinal.rows.length,
    confirmedWithoutPayment: unpaidConfirmed.rows.length,
    failedKeepingMoney: keptMoney.rows.length,
  };
}
