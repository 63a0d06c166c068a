import { Type, type Static } from '@sinclair/typebox';
import { CurrencyCode } from '@ticketing/contracts';
import { errorResponses, IdParam, sseResponse } from '@ticketing/http';

// Lengths are checked again after trimming in the service (1–200 characters).
const Text = Type.String({ minLength: 1, maxLength: 1000 });

export const SectionSchema = Type.Object({
  name: Type.String(),
  price: Type.Number({ description: 'Price of one seat of this section' }),
  first_seat_no: Type.Integer({ description: 'Seat numbers first_seat_no .. first_seat_no + seat_count - 1 (row-major)' }),
  seat_count: Type.Integer(),
  first_row: Type.Integer({ description: '0-based row index of its first row in the event (0 is row A): rows continue across sections' }),
  rows: Type.Integer(),
  seats_per_row: Type.Integer({ description: 'The last row may be shorter (seat_count < rows × seats_per_row)' }),
});
export type SectionView = Static<typeof SectionSchema>;

export const EventSchema = Type.Object({
  event_id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Type.String(),
  venue: Type.String(),
  city: Type.String(),
  category: Type.String(),
  event_date: Type.String({ format: 'date-time' }),
  total_seats: Type.Integer(),
  available_seats: Type.Integer(),
  price_per_seat: Type.Number({ description: 'The lowest section price ("from")' }),
  currency: CurrencyCode({ description: 'ISO 4217 code of the prices' }),
  sections: Type.Array(SectionSchema, { description: 'The layout in seat order, each section with its price' }),
  created_at: Type.String({ format: 'date-time' }),
  created_by: Type.String({ format: 'uuid' }),
  cancelled_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'When the organizer cancelled the event (null: not cancelled)',
  }),
});
export type EventView = Static<typeof EventSchema>;

export const CreateEventBody = Type.Object({
  name: Text,
  description: Type.Optional(Type.String({ maxLength: 5000 })),
  venue: Text,
  city: Text,
  category: Text,
  event_date: Type.String({ format: 'date-time', description: 'RFC 3339 with a time zone; must be in the future' }),
  total_seats: Type.Optional(Type.Integer({ minimum: 1, maximum: 100000, description: 'Single-price form (required without sections)' })),
  price_per_seat: Type.Optional(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 9999999999.99,
      description: 'Single-price form (required without sections); at most two decimals',
    }),
  ),
  seats_per_row: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Single-price form; default 500' })),
  sections: Type.Optional(
    Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 100, description: 'Unique in the event (case-insensitive), e.g. Floor' }),
          rows: Type.Integer({ minimum: 1, maximum: 1000 }),
          seats_per_row: Type.Integer({ minimum: 1, maximum: 1000 }),
          price: Type.Number({ exclusiveMinimum: 0, maximum: 9999999999.99, description: 'At most two decimals' }),
        },
        { additionalProperties: false },
      ),
      {
        minItems: 1,
        maxItems: 50,
        description:
          'Named sections in seat order (rows continue: the first section starts at row A); at most 100,000 seats in all. Instead of total_seats/price_per_seat/seats_per_row.',
      },
    ),
  ),
  currency: Type.Optional(
    CurrencyCode({ description: 'ISO 4217 code of a two-decimal currency (USD, EUR, GBP, ...); default config defaultCurrency (USD)' }),
  ),
  hold_ttl_seconds: Type.Optional(Type.Integer({ minimum: 30, maximum: 3600, description: 'Default 900 (config defaultHoldTtlSeconds)' })),
});
export type CreateEventBody = Static<typeof CreateEventBody>;

export const ListQuery = Type.Object(
  {
    city: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Case-insensitive substring' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Case-insensitive substring' })),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Exact match' })),
    created_by: Type.Optional(Type.String({ format: 'uuid', description: "The organizer's user id: their own events (box office)" })),
    date_from: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'YYYY-MM-DD (from the start of that day, UTC) or RFC 3339' }),
    ),
    date_to: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'YYYY-MM-DD (to the end of that day, UTC) or RFC 3339' }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 }),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

export const EventListSchema = Type.Object({
  events: Type.Array(EventSchema),
  pagination: Type.Object({
    total: Type.Integer(),
    limit: Type.Integer(),
    offset: Type.Integer(),
    has_more: Type.Boolean(),
  }),
});
export type EventListView = Static<typeof EventListSchema>;

export const EventParams = Type.Object({ id: IdParam });

const SeatMapSchema = Type.Object({
  event_id: Type.String({ format: 'uuid' }),
  sections: Type.Array(SectionSchema, { description: 'The layout in seat order, with prices' }),
  rows: Type.Array(
    Type.Object({
      row: Type.String(),
      section: Type.String({ description: 'Name of the section the row belongs to' }),
      seats: Type.Array(
        Type.Object({
          seat_number: Type.String(),
          status: Type.Union([Type.Literal('available'), Type.Literal('held'), Type.Literal('booked')]),
        }),
      ),
    }),
  ),
});

export const createEventSchema = {
  tags: ['events'],
  summary: 'Create an event and generate its seats (the caller becomes its owner)',
  security: [{ bearerAuth: [] }],
  body: CreateEventBody,
  response: { 201: EventSchema, ...errorResponses(400, 401, 413, 415) },
};

export const listEventsSchema = {
  tags: ['events'],
  summary: 'List events ordered by date, with filters and pagination',
  querystring: ListQuery,
  response: { 200: EventListSchema, ...errorResponses(400) },
};

export const getEventSchema = {
  tags: ['events'],
  summary: 'One event, with its live available seat count',
  params: EventParams,
  response: { 200: EventSchema, ...errorResponses(404) },
};

export const seatMapSchema = {
  tags: ['seats'],
  summary: 'Every seat of an event by row, with its status (a seat whose hold expired reads available)',
  params: EventParams,
  response: { 200: SeatMapSchema, ...errorResponses(404) },
};

const CompactSeatMapSchema = Type.Object({
  event_id: Type.String({ format: 'uuid' }),
  total_seats: Type.Integer(),
  seats_per_row: Type.Integer({ description: 'The widest section (one section: its seats per row)' }),
  sections: Type.Array(SectionSchema, {
    description:
      'The layout in seat order: seat n of section s is row first_row + floor((n - first_seat_no) / seats_per_row), number (n - first_seat_no) % seats_per_row + 1',
  }),
  status: Type.String({
    description: 'One character per seat in seat order (seat numbers 1..total_seats): `0` available, `1` held, `2` booked',
  }),
});

export const compactSeatMapSchema = {
  tags: ['seats'],
  summary: 'The seat map in one string, one character per seat: for large events (100,000 seats is 100 kB)',
  params: EventParams,
  response: { 200: CompactSeatMapSchema, ...errorResponses(404) },
};

export const seatStreamSchema = {
  tags: ['seats'],
  summary: 'Server-Sent Events: a `snapshot` of the counts, then a `seats` event for every seat status change',
  description:
    'text/event-stream, usable from a browser EventSource (public, no headers needed). Events: `snapshot` ' +
    '(data `{"event_id","total_seats","available_seats","held_seats","booked_seats"}`), `seats` (data ' +
    '`{"event_id","change":"held"|"released"|"booked"|"expired","status":"held"|"available"|"booked","seats":[...],"at"}`), ' +
    'and a `: heartbeat` comment every 15 s.',
  params: EventParams,
  response: {
    200: sseResponse('An event stream'),
    ...errorResponses(404),
  },
};
