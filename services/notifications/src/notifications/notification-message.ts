import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { MalformedMessageError } from '../errors.ts';

export const NOTIFICATION_TYPES = ['booking_confirmed', 'booking_failed', 'event_reminder'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const OptionalText = (maxLength: number) => Type.Optional(Type.Union([Type.String({ maxLength }), Type.Null()]));

/** The value of a `notification-requests` message (api-contract.md, "Kafka topics"); extra fields are ignored. */
export const NotificationRequestSchema = Type.Object({
  type: Type.Union(NOTIFICATION_TYPES.map((t) => Type.Literal(t))),
  recipient_email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@<>,;"]+@[^\\s@<>,;"]+$' }),
  booking_data: Type.Object({
    booking_id: Type.String({ pattern: UUID }),
    event_name: Type.String({ minLength: 1, maxLength: 500 }),
    venue: Type.String({ maxLength: 500 }),
    event_date: Type.String({ minLength: 1, maxLength: 64 }),
    seats: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10_000 }),
    total_amount: Type.Union([Type.Number({ minimum: 0, maximum: 1e10 }), Type.String({ pattern: '^\\d{1,10}(\\.\\d{1,2})?$' })]),
    user_name: Type.String({ maxLength: 300 }),
    reason: OptionalText(2000),
    payment_status: OptionalText(50),
  }),
  timestamp: Type.Optional(Type.String({ maxLength: 64 })),
});
export type NotificationRequestValue = Static<typeof NotificationRequestSchema>;

export interface BookingDetails {
  bookingId: string;
  eventName: string;
  venue: string;
  eventDate: Date;
  seats: string[];
  /** The amount in minor units (cents): never a binary float. */
  totalCents: number;
  userName: string;
  reason: string | undefined;
  paymentStatus: string | undefined;
}

export interface Notification {
  type: NotificationType;
  recipientEmail: string;
  booking: BookingDetails;
}

/** Converts a JSON amount (≤ 2 decimals) to integer cents; undefined when it has more decimals. */
export function toCents(amount: number | string): number | undefined {
  if (typeof amount === 'string') {
    const [whole, frac = ''] = amount.split('.');
    return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  }
  const cents = Math.round(amount * 100);
  // A JSON number like 19.99 is not exact in binary; anything further than that from a cent is a third decimal.
  return Math.abs(amount * 100 - cents) < 1e-6 ? cents : undefined;
}

/** Writes cents back as a decimal string ("199.98"), for storage and exact formatting. */
export function centsToDecimal(cents: number): `${number}` {
  return `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}` as `${number}`;
}

/**
 * Parses and validates a message value. Throws MalformedMessageError (an UnrecoverableError,
 * so the bus dead-letters it at once) naming every problem.
 */
export function parseNotificationRequest(raw: string): Notification {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new MalformedMessageError(['value is not JSON']);
  }
  if (!Value.Check(NotificationRequestSchema, value)) {
    const problems = [...Value.Errors(NotificationRequestSchema, value)].map((e) => `${e.path || '(root)'}: ${e.message}`);
    throw new MalformedMessageError([...new Set(problems)].slice(0, 10));
  }
  return fromValue(value);
}

export function fromValue(value: NotificationRequestValue): Notification {
  const data = value.booking_data;
  const problems: string[] = [];
  const eventDate = new Date(data.event_date);
  if (Number.isNaN(eventDate.getTime())) problems.push('/booking_data/event_date: not a date');
  const totalCents = toCents(data.total_amount);
  if (totalCents === undefined) problems.push('/booking_data/total_amount: more than two decimals');
  if (problems.length > 0) throw new MalformedMessageError(problems);
  return {
    type: value.type,
    recipientEmail: value.recipient_email.trim(),
    booking: {
      bookingId: data.booking_id.toLowerCase(),
      eventName: data.event_name,
      venue: data.venue,
      eventDate,
      seats: data.seats,
      totalCents: totalCents!,
      userName: data.user_name.trim(),
      reason: data.reason ?? undefined,
      paymentStatus: data.payment_status ?? undefined,
    },
  };
}

/** The contract's booking_data of a notification (stored with a reminder, re-parsed to send it). */
export function toBookingData(booking: BookingDetails): NotificationRequestValue['booking_data'] {
  return {
    booking_id: booking.bookingId,
    event_name: booking.eventName,
    venue: booking.venue,
    event_date: booking.eventDate.toISOString(),
    seats: booking.seats,
    total_amount: centsToDecimal(booking.totalCents),
    user_name: booking.userName,
  };
}
