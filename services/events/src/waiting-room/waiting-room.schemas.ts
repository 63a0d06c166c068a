import { Type, type Static } from '@sinclair/typebox';
import { errorResponses, IdParam, sseResponse } from '@ticketing/http';

const EventParams = Type.Object({ id: IdParam });
const user = { security: [{ bearerAuth: [] }] };
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer>>(t: T) => Type.Union([t, Type.Null()]);

const Admission = Type.Union([Type.Literal('fixed'), Type.Literal('adaptive')], {
  description:
    '`fixed` (default): admit_per_minute buyers a minute; `adaptive`: the rate follows the platform’s measured capacity ' +
    '(slower while holds and bookings’ locks take longer than the target), never above admit_per_minute',
});

export const WaitingRoomBody = Type.Object(
  {
    enabled: Type.Boolean({ description: 'Switch the room on (hold then requires an admission token) or off' }),
    opens_at: Type.String({
      format: 'date-time',
      maxLength: 64,
      description: 'The on-sale time T: earlier arrivals enter at T in random order',
    }),
    admit_per_minute: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: 'Buyers admitted per minute (with `admission: adaptive`, the most: the ceiling)',
    }),
    admission: Type.Optional(Admission),
    token_ttl_seconds: Type.Optional(
      Type.Integer({ minimum: 30, maximum: 3600, description: 'How long an admission token is valid (default 600)' }),
    ),
    grace_seconds: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 86400, description: 'A waiting buyer who left keeps the place this long (default 120)' }),
    ),
  },
  { additionalProperties: false },
);
export type WaitingRoomBody = Static<typeof WaitingRoomBody>;

export const WaitingRoomView = Type.Object({
  event_id: Type.String({ format: 'uuid' }),
  enabled: Type.Boolean(),
  opens_at: Nullable(Type.String({ format: 'date-time' })),
  admit_per_minute: Nullable(Type.Integer()),
  admission: Type.Union([Admission, Type.Null()]),
  token_ttl_seconds: Nullable(Type.Integer()),
  grace_seconds: Nullable(Type.Integer()),
});
export type WaitingRoomView = Static<typeof WaitingRoomView>;

export const QueueStatusView = Type.Object({
  event_id: Type.String({ format: 'uuid' }),
  status: Type.Union([Type.Literal('waiting'), Type.Literal('admitted'), Type.Literal('used'), Type.Literal('expired')], {
    description: '`used`: the admission was used for a hold; `expired`: unused in time (join again)',
  }),
  position: Nullable(Type.Integer({ minimum: 1, description: '1 = next; null once admitted' })),
  waiting: Type.Integer({ minimum: 0, description: 'Buyers waiting in all' }),
  opens_at: Type.String({ format: 'date-time' }),
  estimated_wait_seconds: Nullable(Type.Integer({ minimum: 0 })),
  admission_number: Nullable(Type.Integer({ minimum: 1, description: 'The buyer was the n-th admitted' })),
  admission_token: Nullable(Type.String({ description: 'Send it as the `Admission-Token` header of the hold request' })),
  token_expires_at: Nullable(Type.String({ format: 'date-time' })),
});
export type QueueStatusView = Static<typeof QueueStatusView>;

export const WaitingRoomStatsView = Type.Object({
  event_id: Type.String({ format: 'uuid' }),
  enabled: Type.Boolean(),
  opens_at: Nullable(Type.String({ format: 'date-time' })),
  admit_per_minute: Nullable(Type.Integer()),
  admission: Type.Union([Admission, Type.Null()]),
  admit_rate_per_minute: Nullable(
    Type.Integer({ minimum: 0, description: 'The rate the room admits at now (adaptive: below the ceiling while the platform is slow)' }),
  ),
  waiting: Type.Integer({ minimum: 0 }),
  admitted_total: Type.Integer({ minimum: 0 }),
  admitted_last_minute: Type.Integer({ minimum: 0 }),
  sold_seats: Type.Integer({ minimum: 0 }),
  held_seats: Type.Integer({ minimum: 0 }),
  available_seats: Type.Integer({ minimum: 0 }),
  at: Type.String({ format: 'date-time' }),
});
export type WaitingRoomStatsView = Static<typeof WaitingRoomStatsView>;

const StreamQuery = Type.Object({ access_token: Type.Optional(Type.String({ maxLength: 4096 })) });

export const getWaitingRoomSchema = {
  tags: ['waiting room'],
  summary: 'The event’s waiting room settings (public: the shop sends buyers to the queue when it is on)',
  params: EventParams,
  response: { 200: WaitingRoomView, ...errorResponses(404) },
};

export const putWaitingRoomSchema = {
  tags: ['waiting room'],
  summary: 'Switch the waiting room of an on-sale on or off, with its opening time and admission rate (organizer)',
  ...user,
  params: EventParams,
  body: WaitingRoomBody,
  response: { 200: WaitingRoomView, ...errorResponses(400, 401, 403, 404, 413, 415) },
};

export const joinQueueSchema = {
  tags: ['waiting room'],
  summary: 'Join the queue: one place per account (a second join is 409 already_in_queue, with the place)',
  ...user,
  params: EventParams,
  response: { 201: QueueStatusView, ...errorResponses(401, 404, 409) },
};

export const myPlaceSchema = {
  tags: ['waiting room'],
  summary: 'The caller’s place: position and estimated wait, or the admission token once admitted',
  ...user,
  params: EventParams,
  response: { 200: QueueStatusView, ...errorResponses(401, 404, 409) },
};

export const queueStreamSchema = {
  tags: ['waiting room'],
  summary: 'Server-Sent Events: the caller’s place (`place`) whenever it changes, until admitted',
  description:
    'Events `place` (data: the queue status) on connect and on every change; `paused` while the queue store is unreachable ' +
    '(the place is kept). Closes after the `place` with status `admitted`. Browsers may pass the token as `?access_token=`.',
  ...user,
  params: EventParams,
  querystring: StreamQuery,
  response: { 200: sseResponse('Queue place events'), ...errorResponses(401, 404, 409) },
};

export const statsSchema = {
  tags: ['waiting room'],
  summary: 'The queue as the organizer sees it: waiting, admitted in the last minute, sold (organizer)',
  ...user,
  params: EventParams,
  response: { 200: WaitingRoomStatsView, ...errorResponses(401, 403, 404) },
};

export const statsStreamSchema = {
  tags: ['waiting room'],
  summary: 'Server-Sent Events: the organizer’s queue view (`stats`) every second',
  description: 'Event `stats` (data: as GET .../waiting-room/stats) every second. Browsers may pass the token as `?access_token=`.',
  ...user,
  params: EventParams,
  querystring: StreamQuery,
  response: { 200: sseResponse('Queue statistics events'), ...errorResponses(401, 403, 404) },
};
