import { Type, type Static } from '@sinclair/typebox';
import { errorResponses, sseResponse } from '@ticketing/http';

const Status = Type.Union([
  Type.Literal('processing'),
  Type.Literal('payment_action_required'),
  Type.Literal('confirmed'),
  Type.Literal('failed'),
  // Refunded by the event's cancellation, or cancelled by its buyer or organizer (docs/refunds.md).
  Type.Literal('cancelled'),
]);
const PaymentStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('processing'),
  Type.Literal('captured'),
  Type.Literal('failed'),
  Type.Literal('refunded'),
]);
const Timestamp = Type.String({ format: 'date-time' });

export const SubmitBody = Type.Object({
  // Not `format: uuid`: a hold id that cannot be one is answered like an unknown hold (404).
  hold_id: Type.String({ minLength: 1, maxLength: 200, description: 'The hold to book (a UUID; anything else is an unknown hold, 404)' }),
  payment_info: Type.Object({
    payment_method: Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' }),
    // At most two decimals is checked exactly (on the decimal text) in the use case.
    amount: Type.Number({ exclusiveMinimum: 0, maximum: 9_999_999_999.99 }),
  }),
});
export type SubmitBody = Static<typeof SubmitBody>;

export const SubmitHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' })),
});

export const SubmitResponse = Type.Object({
  booking_id: Type.String({ format: 'uuid' }),
  status: Status,
  message: Type.String(),
  status_url: Type.String(),
  stream_url: Type.String(),
});
export type SubmitResponse = Static<typeof SubmitResponse>;

export const BookingView = Type.Object({
  booking_id: Type.String({ format: 'uuid' }),
  status: Status,
  payment_status: PaymentStatus,
  event: Type.Object({
    event_id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    venue: Type.String(),
    event_date: Timestamp,
  }),
  seats: Type.Array(Type.String()),
  total_amount: Type.Number(),
  currency: Type.String({ description: 'ISO 4217 code of total_amount (the event’s currency)' }),
  error_message: Type.Optional(Type.String()),
  payment_action: Type.Optional(
    Type.Object(
      {
        provider: Type.Union([Type.Literal('stripe'), Type.Literal('simulated')]),
        client_secret: Type.String({ description: 'Completes the payment in the buyer’s browser (Stripe.js `handleNextAction`)' }),
        publishable_key: Type.Optional(Type.String({ description: 'Stripe publishable key, when one is configured' })),
      },
      { description: 'Only while status is payment_action_required: what the buyer’s browser needs to finish the payment (3-D Secure)' },
    ),
  ),
  created_at: Timestamp,
  confirmed_at: Type.Optional(Timestamp),
  failed_at: Type.Optional(Timestamp),
  cancelled_at: Type.Optional(Timestamp),
  cancelled_seats: Type.Array(Type.String(), { description: 'Seats given back by cancellations (no longer valid)' }),
  refunded_amount: Type.Number({ description: 'Given back so far (cancellations, refunds, the event’s cancellation)' }),
});
export type BookingView = Static<typeof BookingView>;

export const BookingListItem = Type.Object({
  booking_id: Type.String({ format: 'uuid' }),
  status: Status,
  event_name: Type.String(),
  venue: Type.String(),
  event_date: Timestamp,
  seats: Type.Array(Type.String()),
  total_amount: Type.Number(),
  currency: Type.String({ description: 'ISO 4217 code of total_amount' }),
  created_at: Timestamp,
});

export const BookingList = Type.Object({
  bookings: Type.Array(BookingListItem),
  total: Type.Integer(),
  pagination: Type.Object({
    total: Type.Integer(),
    limit: Type.Integer(),
    offset: Type.Integer(),
    has_more: Type.Boolean(),
  }),
});
export type BookingList = Static<typeof BookingList>;

export const ListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  status: Type.Optional(Status),
});
export type ListQuery = Static<typeof ListQuery>;

const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });
const UserIdParams = Type.Object({ userId: Type.String({ maxLength: 200 }) });
const security = [{ bearerAuth: [] }];

export const submitSchema = {
  tags: ['bookings'],
  summary: 'Submit a booking for a hold (processed asynchronously)',
  description:
    'Answers 202 at once; the booking id is derived from the hold, so submitting again for the same hold (or with the same Idempotency-Key) returns the same booking.',
  security,
  body: SubmitBody,
  headers: SubmitHeaders,
  response: { 200: SubmitResponse, 202: SubmitResponse, ...errorResponses(400, 401, 404, 409, 413, 415, 503) },
};

export const getBookingSchema = {
  tags: ['bookings'],
  summary: 'A booking and its status (owner only)',
  security,
  params: IdParams,
  response: { 200: BookingView, ...errorResponses(401, 404) },
};

export const listMineSchema = {
  tags: ['bookings'],
  summary: 'The caller’s bookings, newest first',
  security,
  querystring: ListQuery,
  response: { 200: BookingList, ...errorResponses(400, 401) },
};

export const listUserSchema = {
  tags: ['bookings'],
  summary: 'A user’s bookings (the caller’s own, or any user’s for an admin)',
  security,
  params: UserIdParams,
  querystring: ListQuery,
  response: { 200: BookingList, ...errorResponses(400, 401, 404) },
};

export const streamSchema = {
  tags: ['bookings'],
  summary: 'Server-sent events with the booking’s status until it is final',
  description:
    'Events `status` and `complete`, each with an `id:` (the booking version); `Last-Event-ID` resumes. Browsers (EventSource cannot send headers) may pass the token as `?access_token=`.',
  security,
  params: IdParams,
  querystring: Type.Object({ access_token: Type.Optional(Type.String({ maxLength: 4096 })) }),
  response: { 200: sseResponse('Events `status` and `complete` until the booking is final'), ...errorResponses(401, 404) },
};
