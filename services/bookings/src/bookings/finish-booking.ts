import { randomUUID } from 'node:crypto';
import type { Database } from '@ticketing/db';
import type { OutboxRepository } from '../outbox/outbox.repository.ts';
import type { OutboxSignal } from '../outbox/outbox-signal.ts';
import type { StatusPublisher } from '../stream/status-publisher.ts';
import type { BookingRow, BookingsRepository, FinalOutcome } from './bookings.repository.ts';
import { fromCents } from './money.ts';

export interface FinishDeps {
  db: Database;
  bookings: BookingsRepository;
  outbox: OutboxRepository;
  signal: OutboxSignal;
  status: StatusPublisher;
  notificationRequestsTopic: string;
  onFinished?: (row: BookingRow) => void;
}

/** The `notification-requests` value of the contract for a final booking. */
export function notificationFor(row: BookingRow) {
  const bookingData: Record<string, unknown> = {
    booking_id: row.id,
    event_name: row.event_name,
    venue: row.venue,
    event_date: row.event_date.toISOString(),
    seats: row.seats,
    total_amount: fromCents(row.total_cents),
    user_name: row.user_name,
  };
  if (row.status === 'failed') bookingData.reason = row.error_message ?? 'The booking could not be completed';
  return {
    type: row.status === 'confirmed' ? 'booking_confirmed' : 'booking_failed',
    recipient_email: row.user_email,
    booking_data: bookingData,
    timestamp: new Date().toISOString(),
  };
}

/**
 * Stores a booking's final outcome and its notification in one transaction, once: when the
 * booking is already final nothing is written and undefined is returned. Subscribers are told
 * after the commit.
 */
export async function finishBooking(deps: FinishDeps, bookingId: string, outcome: FinalOutcome): Promise<BookingRow | undefined> {
  const row = await deps.db.transaction(async (tx) => {
    const updated = await deps.bookings.finalize(tx, bookingId, outcome);
    if (!updated) return undefined;
    await deps.outbox.insert(tx, {
      id: randomUUID(),
      topic: deps.notificationRequestsTopic,
      key: updated.id,
      headers: updated.traceparent ? { traceparent: updated.traceparent } : {},
      value: notificationFor(updated),
    });
    return updated;
  });
  if (row) {
    deps.signal.notify();
    deps.status.publish(row);
    deps.onFinished?.(row);
  }
  return row;
}
