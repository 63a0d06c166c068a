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
const EventStatus = Type.Union(
  [Type.Literal('draft'), Type.Literal('published'), Type.Literal('on_sale'), Type.Literal('ended'), Type.Literal('cancelled')],
  {
    description:
      'draft (organizers only), published (sales not started yet), on_sale (between sales_start and sales_end), ' +
      'ended (sales over or the event started), cancelled',
  },
);
export const CancellationPolicySchema = Type.Object(
  {
    hours_before_start: Type.Integer({
      minimum: 0,
      maximum: 8760,
      description: 'Buyers may cancel until this many hours before the event starts (0: until it starts)',
    }),
    fee_percent: Type.Number({
      minimum: 0,
      maximum: 100,
      description: 'Part of the cancelled seats’ price kept as a fee (at most two decimals); the rest is refunded',
    }),
  },
  { additionalProperties: false },
);
const CancellationPolicy = Type.Union([CancellationPolicySchema, Type.Null()], {
  description: 'Buyer cancellations (docs/refunds.md); null: buyers cannot cancel (the default)',
});
// Below a minute an emailed offer is gone before it is read; the database allows 1 s for tests.
export const MIN_WAITLIST_OFFER_TTL_SECONDS = 60;
export const MAX_WAITLIST_OFFER_TTL_SECONDS = 86_400;
const WaitlistOfferTtl = Type.Union(
  [Type.Integer({ minimum: MIN_WAITLIST_OFFER_TTL_SECONDS, maximum: MAX_WAITLIST_OFFER_TTL_SECONDS }), Type.Null()],
  {
    description:
      'How long a waiting-list offer holds its seats for the buyer, in seconds (60–86400; docs/waiting-list.md); ' +
      'null: the platform default (config waitlist.offerTtlSeconds, 600)',
  },
);

// Anonymous or with a token (organizers see their drafts).
const OPTIONAL_BEARER: { [scheme: string]: string[] }[] = [{}, { bearerAuth: [] }];
const OptionalInstant = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

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
  organization_id: Type.String({ format: 'uuid', description: "The owning organization (a personal one has the creator's user id)" }),
  status: EventStatus,
  sales_start: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Null: on sale from publication' }),
  sales_end: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Null: on sale until the event starts' }),
  cancellation_policy: CancellationPolicy,
  waitlist_offer_ttl_seconds: WaitlistOfferTtl,
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
  organization_id: Type.Optional(
    Type.String({ format: 'uuid', description: "The owning organization (owner or manager); default the caller's personal one" }),
  ),
  status: Type.Optional(
    Type.Union([Type.Literal('draft'), Type.Literal('published')], {
      description: 'Default published; a draft is visible to its organization only',
    }),
  ),
  sales_start: Type.Optional(OptionalInstant),
  sales_end: Type.Optional(OptionalInstant),
  cancellation_policy: Type.Optional(CancellationPolicy),
  waitlist_offer_ttl_seconds: Type.Optional(WaitlistOfferTtl),
});
export type CreateEventBody = Static<typeof CreateEventBody>;

export const UpdateEventBody = Type.Object(
  {
    name: Type.Optional(Text),
    description: Type.Optional(Type.String({ maxLength: 5000 })),
    venue: Type.Optional(Text),
    city: Type.Optional(Text),
    category: Type.Optional(Text),
    event_date: Type.Optional(
      Type.String({ format: 'date-time', description: 'A new start time reschedules the event (event.rescheduled on event-changes)' }),
    ),
    sales_start: Type.Optional(OptionalInstant),
    sales_end: Type.Optional(OptionalInstant),
    cancellation_policy: Type.Optional(CancellationPolicy),
    waitlist_offer_ttl_seconds: Type.Optional(WaitlistOfferTtl),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateEventBody = Static<typeof UpdateEventBody>;

export const ListQuery = Type.Object(
  {
    city: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Case-insensitive substring' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Case-insensitive substring' })),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Exact match' })),
    created_by: Type.Optional(Type.String({ format: 'uuid', description: "The organizer's user id: their own events (box office)" })),
    organization_id: Type.Optional(
      Type.String({ format: 'uuid', description: "An organization's events; its members (with a token) also see its drafts" }),
    ),
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
  summary: 'Create an event and generate its seats, in an organization (owner, manager) or the caller’s personal one',
  security: [{ bearerAuth: [] }],
  body: CreateEventBody,
  response: { 201: EventSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
};

export const listEventsSchema = {
  tags: ['events'],
  summary: 'List events ordered by date, with filters and pagination (drafts only for their organization, with a token)',
  security: OPTIONAL_BEARER,
  querystring: ListQuery,
  response: { 200: EventListSchema, ...errorResponses(400, 401) },
};

export const getEventSchema = {
  tags: ['events'],
  summary: 'One event, with its live available seat count (a draft only for its organization, with a token)',
  security: OPTIONAL_BEARER,
  params: EventParams,
  response: { 200: EventSchema, ...errorResponses(401, 404) },
};

export const updateEventSchema = {
  tags: ['organizer'],
  summary:
    'Edit an event’s details, sales window, cancellation policy or waiting-list offer time (owner, manager); a new event_date reschedules',
  security: [{ bearerAuth: [] }],
  params: EventParams,
  body: UpdateEventBody,
  response: { 200: EventSchema, ...errorResponses(400, 401, 403, 404, 409) },
};

export const publishEventSchema = {
  tags: ['organizer'],
  summary: 'Publish a draft (owner, manager); publishing a published event changes nothing',
  security: [{ bearerAuth: [] }],
  params: EventParams,
  response: { 200: EventSchema, ...errorResponses(401, 403, 404, 409) },
};

export const EventAuditQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    before: Type.Optional(
      Type.String({ format: 'date-time', description: 'Entries older than this (the `at` of the last entry of a page)' }),
    ),
  },
  { additionalProperties: false },
);
export type EventAuditQuery = Static<typeof EventAuditQuery>;

export const AuditEntrySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  organization_id: Type.String({ format: 'uuid' }),
  event_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  actor_id: Type.String({ format: 'uuid' }),
  actor_email: Type.String(),
  action: Type.String({ description: 'event.created, event.updated, event.rescheduled, event.published, ...' }),
  details: Type.Record(Type.String(), Type.Unknown()),
  at: Type.String({ format: 'date-time' }),
});

export const eventAuditSchema = {
  tags: ['organizer'],
  summary: 'Who changed what and when on this event, newest first (owner, manager)',
  security: [{ bearerAuth: [] }],
  params: EventParams,
  querystring: EventAuditQuery,
  response: { 200: Type.Object({ entries: Type.Array(AuditEntrySchema) }), ...errorResponses(400, 401, 403, 404) },
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
