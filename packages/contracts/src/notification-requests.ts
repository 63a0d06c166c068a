import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Uuid } from './formats.ts';
import { defineMessage } from './message.ts';
import { amountOfDecimal, CurrencyCode, DecimalText, Money } from './money.ts';

export const NOTIFICATION_TYPES = [
  'booking_confirmed',
  'booking_failed',
  'event_reminder',
  'event_cancelled',
  'event_rescheduled',
  'booking_cancelled',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

const OptionalText = (maxLength: number) => Type.Optional(Type.Union([Type.String({ maxLength }), Type.Null()]));

const bookingData = {
  booking_id: Uuid(),
  event_name: Type.String({ minLength: 1, maxLength: 500 }),
  venue: Type.String({ maxLength: 500 }),
  seats: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10_000 }),
  user_name: Type.String({ maxLength: 300 }),
  reason: OptionalText(2000),
  /** Optional extension of the contract: lets the failure email say what happened to the money. */
  payment_status: OptionalText(50),
  /** Optional extension: the event's currency of total_amount (absent: the mail settings' currency). */
  currency: Type.Optional(CurrencyCode()),
  /** Optional extension (event_rescheduled): the start time before the change; event_date is the new one. */
  previous_event_date: Type.Optional(DateTime()),
  /** Optional extension (booking_confirmed): the booking's tickets with their signed codes (docs/tickets.md). */
  tickets: Type.Optional(
    Type.Array(
      Type.Object({
        ticket_id: Uuid(),
        seat: Type.String({ minLength: 1, maxLength: 64 }),
        code: Type.String({ minLength: 1, maxLength: 400, pattern: '^[A-Za-z0-9_-]+$' }),
      }),
      { maxItems: 10_000 },
    ),
  ),
  /** Optional extension: the booking's event, so outgoing webhooks can find its organization. */
  event_id: Type.Optional(Uuid()),
  /**
   * Optional extension, `booking_cancelled` only: what this cancellation gave back (`seats` are
   * the seats it cancelled, `total_amount` their price). One email per cancellation (its id).
   */
  cancellation: Type.Optional(
    Type.Object({
      cancellation_id: Uuid(),
      by: Type.Union([Type.Literal('buyer'), Type.Literal('organizer')]),
      refund_amount: Money(),
      fee_amount: Money(),
      remaining_seats: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10_000 }),
    }),
  ),
};

const notification = {
  type: Type.Union(NOTIFICATION_TYPES.map((t) => Type.Literal(t))),
  recipient_email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@<>,;"]+@[^\\s@<>,;"]+$' }),
};

/** The `booking_data` of a notification (also stored as is with a scheduled reminder). */
export const NotificationBookingData = Type.Object({
  ...bookingData,
  event_date: DateTime(),
  total_amount: Money(),
});
export type NotificationBookingData = Static<typeof NotificationBookingData>;

/**
 * `notification-requests` (key: booking_id), booking workers and reminders → notification
 * service (docs/api.md, "Kafka topics"). Extra fields are ignored.
 */
export const NotificationRequest = Type.Object({
  ...notification,
  booking_data: NotificationBookingData,
  timestamp: Type.Optional(DateTime()),
});
export type NotificationRequest = Static<typeof NotificationRequest>;

/**
 * Version 1, what the consumer accepted before versions were explicit: `total_amount` may also be
 * decimal text, `event_date` and `timestamp` any text (the consumer still checks the date).
 */
export const NotificationBookingDataV1 = Type.Object({
  ...bookingData,
  event_date: Type.String({ minLength: 1, maxLength: 64 }),
  total_amount: Type.Union([Money(), DecimalText()]),
});
export type NotificationBookingDataV1 = Static<typeof NotificationBookingDataV1>;

export const NotificationRequestV1 = Type.Object({
  ...notification,
  booking_data: NotificationBookingDataV1,
  timestamp: Type.Optional(Type.String({ maxLength: 64 })),
});
export type NotificationRequestV1 = Static<typeof NotificationRequestV1>;

/** Version 2: amounts are JSON numbers only, dates RFC 3339. */
export const notificationRequests = defineMessage({
  name: 'notification-requests',
  version: 2,
  schema: NotificationRequest,
  previous: [
    {
      version: 1,
      schema: NotificationRequestV1,
      upgrade: (v: NotificationRequestV1): NotificationRequest => ({
        ...v,
        booking_data: {
          ...v.booking_data,
          total_amount:
            typeof v.booking_data.total_amount === 'string' ? amountOfDecimal(v.booking_data.total_amount) : v.booking_data.total_amount,
        },
      }),
    },
  ],
});
