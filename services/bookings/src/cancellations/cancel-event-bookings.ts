import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OutboxSignal } from '@ticketing/bus';
import { fromCents, notificationRequests, type EventCancellation, type NotificationRequest } from '@ticketing/contracts';
import { TransientError } from '@ticketing/errors';
import type { Logger } from '@ticketing/http';
import { retryTransient } from '../bookings/process-booking.ts';
import { PaymentGatewayError, type PaymentGateway } from '../payments/payment-gateway.ts';
import type { BookingToRefund, EventCancellationsRepository } from './event-cancellations.repository.ts';

export interface CancelEventBookingsDeps {
  eventCancellations: EventCancellationsRepository;
  gateway: PaymentGateway;
  signal: OutboxSignal;
  notificationRequestsTopic: string;
  logger: Logger;
  /** Refunds in flight at once. @defaultValue 8 */
  concurrency?: number;
  /** How long to wait for payments in flight on the event to end before handing back to the bus's retry. @defaultValue 30000 */
  openWaitMs?: number;
}

const PAGE = 200;

/** The refund key of a booking refunded because its event was cancelled: one refund per booking, ever. */
export const cancellationRefundKey = (bookingId: string) => `cancel:${bookingId}`;

function notificationFor(b: BookingToRefund, m: EventCancellation): NotificationRequest {
  return {
    type: 'event_cancelled',
    recipient_email: b.user_email,
    booking_data: {
      booking_id: b.id,
      event_name: b.event_name,
      venue: b.venue,
      event_date: b.event_date.toISOString(),
      seats: b.seats,
      total_amount: fromCents(b.total_cents),
      user_name: b.user_name,
      payment_status: 'refunded',
      ...(m.reason ? { reason: m.reason } : {}),
    },
    timestamp: new Date().toISOString(),
  };
}

/**
 * Refunds one confirmed booking of a cancelled event and marks it cancelled with its email.
 * Safe to repeat after a crash anywhere: the refund's key is the booking's (a second call is
 * the same refund, no money moves), and the mark is conditional on `confirmed`.
 */
async function cancelBooking(deps: CancelEventBookingsDeps, m: EventCancellation, b: BookingToRefund): Promise<boolean> {
  let refundedCents = 0;
  if (b.payment_id !== null) {
    try {
      const r = await retryTransient(() =>
        deps.gateway.refund({ paymentId: b.payment_id!, idempotencyKey: cancellationRefundKey(b.id), reason: 'event_cancelled' }),
      );
      refundedCents = r.amountCents;
    } catch (err) {
      // Refunded in full already under another key (e.g. in the provider's dashboard, or by the
      // buyer's cancellation racing this one): nothing is owed.
      if (!(err instanceof PaymentGatewayError && err.code === 'already_refunded')) throw err;
    }
  }
  const done = await deps.eventCancellations.markCancelled(b.id, {
    id: randomUUID(),
    ...notificationRequests.message({
      topic: deps.notificationRequestsTopic,
      key: b.id,
      headers: b.traceparent ? { traceparent: b.traceparent } : {},
      value: notificationFor(b, m),
    }),
  });
  // Its buyer cancelled it between our read and our mark (docs/refunds.md): the refund above
  // still gave back what was left, and the booking must say so.
  if (done === undefined && refundedCents > 0) await deps.eventCancellations.recordRefundOfCancelled(b.id, refundedCents);
  return done !== undefined;
}

async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const failures: unknown[] = [];
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        try {
          await fn(item);
        } catch (err) {
          failures.push(err);
        }
      }
    }),
  );
  if (failures.length > 0) throw failures[0];
}

/**
 * The whole story of an event cancellation in the bookings service (one `event-cancellations`
 * message): record it, refund every confirmed booking once (page by page, a few at a time),
 * wait for payments still in flight on the event (they may confirm), then mark it completed.
 * Any failure throws: the bus redelivers the message and the run resumes where it stopped.
 */
export async function cancelEventBookings(deps: CancelEventBookingsDeps, m: EventCancellation): Promise<void> {
  const repo = deps.eventCancellations;
  const log = deps.logger.child({ event_id: m.event_id });
  const started = await repo.start(m);
  if (started.status === 'completed') return;
  log.info({ bookings: started.bookings_total, refunded: started.bookings_refunded }, 'event cancellation: refunding');

  let waited = 0;
  for (;;) {
    const page = await repo.confirmedBookings(m.event_id, PAGE);
    if (page.length > 0) {
      await eachLimited(page, deps.concurrency ?? 8, (b) => cancelBooking(deps, m, b));
      deps.signal.notify();
      continue;
    }
    if ((await repo.openBookings(m.event_id)) === 0) break;
    // A booking whose payment is still being decided may confirm: it must be refunded too.
    if (waited >= (deps.openWaitMs ?? 30_000)) throw new TransientError('bookings of the cancelled event are still being paid');
    await sleep(500);
    waited += 500;
  }
  await repo.recount(m.event_id);
  const done = await repo.complete(m.event_id);
  log.info({ refunded: done?.bookings_refunded, refunded_cents: done?.refunded_cents }, 'event cancellation: completed');
}
