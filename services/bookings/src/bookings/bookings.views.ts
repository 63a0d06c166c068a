import { fromCents } from '@ticketing/contracts';
import type { BookingListItemRow, BookingRow } from './bookings.repository.ts';
import type { BookingView } from './bookings.schemas.ts';

/** How the buyer's browser finishes a payment that needs them (from the payments config). */
export interface PaymentActionSettings {
  provider: 'stripe' | 'simulated';
  publishableKey: string;
}

export function toBookingView(row: BookingRow, action?: PaymentActionSettings): BookingView {
  const view: BookingView = {
    booking_id: row.id,
    status: row.status,
    payment_status: row.payment_status,
    event: { event_id: row.event_id, name: row.event_name, venue: row.venue, event_date: row.event_date.toISOString() },
    seats: row.seats,
    total_amount: fromCents(row.total_cents),
    currency: row.currency,
    created_at: row.created_at.toISOString(),
    cancelled_seats: row.cancelled_seats ?? [],
    refunded_amount: fromCents(row.refunded_cents ?? '0'),
  };
  if (row.error_message !== null) view.error_message = row.error_message;
  if (row.status === 'payment_action_required' && row.payment_action_secret !== null && action) {
    view.payment_action = {
      provider: action.provider,
      client_secret: row.payment_action_secret,
      ...(action.publishableKey ? { publishable_key: action.publishableKey } : {}),
    };
  }
  if (row.confirmed_at !== null) view.confirmed_at = row.confirmed_at.toISOString();
  if (row.failed_at !== null) view.failed_at = row.failed_at.toISOString();
  if (row.cancelled_at) view.cancelled_at = row.cancelled_at.toISOString();
  return view;
}

export function toListItem(row: BookingListItemRow) {
  return {
    booking_id: row.id,
    status: row.status,
    event_name: row.event_name,
    venue: row.venue,
    event_date: row.event_date.toISOString(),
    seats: row.seats,
    total_amount: fromCents(row.total_cents),
    currency: row.currency,
    created_at: row.created_at.toISOString(),
  };
}

/** The human sentence shown with a status (SSE `message`). */
export function statusMessage(row: Pick<BookingRow, 'status' | 'payment_status' | 'error_message'>): string {
  if (row.status === 'confirmed') return 'Booking confirmed';
  if (row.status === 'cancelled') return 'Booking cancelled';
  if (row.status === 'failed') {
    const reason = row.error_message ?? 'the booking could not be completed';
    return row.payment_status === 'refunded' ? `Booking failed: ${reason}; the payment was refunded` : `Booking failed: ${reason}`;
  }
  if (row.status === 'payment_action_required') return 'Your bank asks you to confirm this payment';
  switch (row.payment_status) {
    case 'pending':
      return 'Booking received; waiting for payment processing';
    case 'processing':
      return 'Processing payment';
    case 'captured':
      return 'Payment captured; confirming seats';
    case 'failed':
    case 'refunded':
      return 'Processing booking';
  }
}

/** The status event payload, as published on pub/sub and sent on SSE streams. */
export interface StatusUpdate {
  booking_id: string;
  status: BookingRow['status'];
  payment_status: BookingRow['payment_status'];
  message: string;
  updated_at: string;
  version: number;
  user_id: string;
}

export function toStatusUpdate(row: BookingRow): StatusUpdate {
  return {
    booking_id: row.id,
    status: row.status,
    payment_status: row.payment_status,
    message: statusMessage(row),
    updated_at: row.updated_at.toISOString(),
    version: row.version,
    user_id: row.user_id,
  };
}
