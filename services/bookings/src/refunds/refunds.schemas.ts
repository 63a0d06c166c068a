import { Type, type Static } from '@sinclair/typebox';
import { errorResponses } from '@ticketing/http';
import { BookingView } from '../bookings/bookings.schemas.ts';

const Timestamp = Type.String({ format: 'date-time' });
const Seat = Type.String({ minLength: 1, maxLength: 32, pattern: '\\S' });
const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });
const security = [{ bearerAuth: [] }];

export const CancelBody = Type.Object(
  {
    seats: Type.Optional(
      Type.Array(Seat, {
        minItems: 1,
        maxItems: 1000,
        description: 'Seats of the booking to cancel; omitted: every seat not cancelled yet',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CancelBody = Static<typeof CancelBody>;

export const QuoteQuery = Type.Object(
  {
    seats: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4000,
        description: 'Comma-separated seats to cancel (e.g. `A1,A2`); omitted: every seat not cancelled yet',
      }),
    ),
  },
  { additionalProperties: false },
);
export type QuoteQuery = Static<typeof QuoteQuery>;

const Policy = Type.Union([Type.Object({ hours_before_start: Type.Integer(), fee_percent: Type.Number() }), Type.Null()], {
  description: 'The event’s cancellation policy; null: buyers cannot cancel',
});

export const QuoteView = Type.Object({
  booking_id: Type.String({ format: 'uuid' }),
  allowed: Type.Boolean({ description: 'Whether the buyer may cancel these seats now' }),
  refusal: Type.Union([Type.Object({ error: Type.String(), message: Type.String() }), Type.Null()], {
    description: 'Why not (the error the cancel request would answer), or null',
  }),
  policy: Policy,
  deadline: Type.Union([Timestamp, Type.Null()], { description: 'Cancellations close at this time (null without a policy)' }),
  seats: Type.Array(Type.String(), { description: 'The seats this cancellation would give back' }),
  seats_amount: Type.Number({ description: 'Their price' }),
  fee_percent: Type.Number(),
  fee_amount: Type.Number(),
  refund_amount: Type.Number(),
  currency: Type.String(),
});
export type QuoteView = Static<typeof QuoteView>;

export const CancellationView = Type.Object({
  cancellation_id: Type.String({ format: 'uuid' }),
  booking_id: Type.String({ format: 'uuid' }),
  kind: Type.Union([Type.Literal('buyer'), Type.Literal('organizer')]),
  status: Type.Union([Type.Literal('refunding'), Type.Literal('completed')], {
    description: 'refunding: decided, the refund or the seats’ release is still being finished (retried automatically)',
  }),
  seats: Type.Array(Type.String()),
  seats_amount: Type.Number(),
  fee_percent: Type.Number(),
  fee_amount: Type.Number(),
  refund_amount: Type.Number({ description: 'The refund asked for' }),
  refunded_amount: Type.Union([Type.Number(), Type.Null()], {
    description: 'Given back by this cancellation (0 when an earlier refund had given the money back already); null while refunding',
  }),
  created_at: Timestamp,
  completed_at: Type.Union([Timestamp, Type.Null()]),
  booking: BookingView,
});
export type CancellationView = Static<typeof CancellationView>;

export const quoteSchema = {
  tags: ['bookings'],
  summary: 'What cancelling seats of the caller’s booking would refund, under the event’s policy (owner only)',
  security,
  params: IdParams,
  querystring: QuoteQuery,
  response: { 200: QuoteView, ...errorResponses(400, 401, 404, 409) },
};

export const cancelSchema = {
  tags: ['bookings'],
  summary: 'Cancel the caller’s confirmed booking, or some of its seats, under the event’s policy; refunded once',
  description:
    'Refund = the seats’ price minus the policy’s fee, through the payment gateway, once. The seats go back on sale and their tickets become invalid. ' +
    '409 when the policy does not allow it (cancellation_not_allowed, cancellation_deadline_passed, event_cancelled) or another cancellation got there first.',
  security,
  params: IdParams,
  body: CancelBody,
  response: { 200: CancellationView, ...errorResponses(400, 401, 404, 409, 415) },
};

export const refundSchema = {
  tags: ['organizer'],
  summary: 'Refund a booking in full as its event’s organizer (owner, manager): every seat back on sale, no policy, no fee',
  security,
  params: IdParams,
  response: { 200: CancellationView, ...errorResponses(401, 403, 404, 409) },
};
