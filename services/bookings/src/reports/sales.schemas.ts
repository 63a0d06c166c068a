import { Type, type Static } from '@sinclair/typebox';
import { csvResponse, errorResponses, IdParam } from '@ticketing/http';
import { REPORT_STATUSES } from './sales.repository.ts';

const Timestamp = Type.String({ format: 'date-time' });
const Cents = (description: string) =>
  Type.Integer({ minimum: 0, description: `${description}, in minor units of the event's currency (cents)` });
const security = [{ bearerAuth: [] }];
const params = Type.Object({ id: IdParam });

const ReportStatus = Type.Union(
  REPORT_STATUSES.map((s) => Type.Literal(s)),
  { description: 'processing and payment_action_required: paying; confirmed: sold; failed: not paid; cancelled: refunded' },
);

const SectionSales = Type.Object({
  name: Type.String(),
  price_cents: Cents('The price of one seat'),
  seats: Type.Integer({ minimum: 0 }),
  sold: Type.Integer({ minimum: 0 }),
  held: Type.Integer({ minimum: 0, description: 'In a live hold: being chosen or paid for' }),
  available: Type.Integer({ minimum: 0 }),
  sold_value_cents: Cents('Sold seats at the section price'),
});

export const SalesSummary = Type.Object({
  event_id: Type.String({ format: 'uuid' }),
  currency: Type.String({ description: 'ISO 4217 code of every amount in the report' }),
  sections: Type.Array(SectionSales),
  totals: Type.Object({
    seats: Type.Integer(),
    sold: Type.Integer(),
    held: Type.Integer(),
    available: Type.Integer(),
    sold_value_cents: Cents('Sold seats at their section prices'),
  }),
  revenue_cents: Cents(
    'Money kept: what the confirmed and cancelled bookings paid, less what was given back (a buyer’s cancellation fee stays)',
  ),
  refunded_cents: Cents('Money given back: buyer cancellations, organizer refunds and the event’s cancellation'),
  bookings: Type.Object(
    {
      processing: Type.Integer({ minimum: 0 }),
      payment_action_required: Type.Integer({ minimum: 0 }),
      confirmed: Type.Integer({ minimum: 0 }),
      failed: Type.Integer({ minimum: 0 }),
      cancelled: Type.Integer({ minimum: 0 }),
    },
    { description: 'How many bookings of the event have each status' },
  ),
  generated_at: Timestamp,
});
export type SalesSummary = Static<typeof SalesSummary>;

export const SalesBooking = Type.Object({
  booking_id: Type.String({ format: 'uuid' }),
  status: ReportStatus,
  payment_status: Type.String(),
  buyer_name: Type.String({ description: 'As on the booking: copied from the buyer’s account when they booked' }),
  buyer_email: Type.String(),
  seats: Type.Array(Type.String()),
  sections: Type.Array(Type.String(), { description: 'The sections of the seats, in section order' }),
  amount_cents: Cents('The booking’s total'),
  currency: Type.String(),
  booked_at: Timestamp,
  confirmed_at: Type.Union([Timestamp, Type.Null()]),
  cancelled_at: Type.Union([Timestamp, Type.Null()]),
});
export type SalesBooking = Static<typeof SalesBooking>;

const filters = {
  status: Type.Optional(ReportStatus),
  section: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'A section name (any case): bookings with a seat in it' }),
  ),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Part of the buyer’s name or email, any case' })),
  from: Type.Optional(Type.String({ format: 'date-time', maxLength: 64, description: 'Booked at or after' })),
  to: Type.Optional(Type.String({ format: 'date-time', maxLength: 64, description: 'Booked before' })),
};

export const SalesFilterQuery = Type.Object(filters, { additionalProperties: false });
export type SalesFilterQuery = Static<typeof SalesFilterQuery>;

export const SalesBookingsQuery = Type.Object(
  {
    ...filters,
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  { additionalProperties: false },
);
export type SalesBookingsQuery = Static<typeof SalesBookingsQuery>;

export const SalesBookingList = Type.Object({
  bookings: Type.Array(SalesBooking),
  pagination: Type.Object({ total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(), has_more: Type.Boolean() }),
});
export type SalesBookingList = Static<typeof SalesBookingList>;

export const salesSummarySchema = {
  tags: ['sales'],
  summary: 'An event’s sales: seats sold, held and available per section, revenue, bookings by status (`sales.read`)',
  security,
  params,
  response: { 200: SalesSummary, ...errorResponses(401, 403, 404) },
};

export const salesBookingsSchema = {
  tags: ['sales'],
  summary: 'An event’s bookings with their buyers, newest first, filtered and paginated (`sales.read`)',
  security,
  params,
  querystring: SalesBookingsQuery,
  response: { 200: SalesBookingList, ...errorResponses(400, 401, 403, 404) },
};

export const salesCsvSchema = {
  tags: ['sales'],
  summary: 'The same bookings as a CSV file (UTF-8, RFC 4180, streamed; `sales.read`)',
  description:
    'Columns: booking_id, status, payment_status, buyer_name, buyer_email, seats, sections, seat_count, amount, currency, booked_at, confirmed_at, cancelled_at. ' +
    'A cell starting with = + - @ is prefixed with an apostrophe so that no spreadsheet runs it as a formula.',
  security,
  params,
  querystring: SalesFilterQuery,
  response: { 200: csvResponse('The bookings, one per line after a header line'), ...errorResponses(400, 401, 403, 404) },
};
