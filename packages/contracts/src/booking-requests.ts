import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Uuid } from './formats.ts';
import { defineMessage } from './message.ts';
import { Money } from './money.ts';

/**
 * `booking-requests` (key: booking_id), booking API via its outbox → booking workers. The worker
 * reads the booking itself from its table; the other fields make the message self-describing for
 * any other consumer (docs/api.md, "Kafka topics"). Extra fields are allowed (a newer producer
 * may add some).
 */
export const BookingRequest = Type.Object({
  booking_id: Uuid(),
  user_id: Uuid(),
  user_email: Type.String({ minLength: 1, maxLength: 320 }),
  user_name: Type.String({ maxLength: 300 }),
  hold_id: Uuid(),
  event_id: Uuid(),
  event_name: Type.String({ maxLength: 500 }),
  venue: Type.String({ maxLength: 500 }),
  event_date: DateTime(),
  seats: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 10_000 }),
  payment_info: Type.Object({
    payment_method: Type.String({ minLength: 1, maxLength: 100 }),
    amount: Money(),
  }),
  timestamp: DateTime(),
});
export type BookingRequest = Static<typeof BookingRequest>;

/** Version 1 (also every message without a version header). */
export const bookingRequests = defineMessage({ name: 'booking-requests', version: 1, schema: BookingRequest });
