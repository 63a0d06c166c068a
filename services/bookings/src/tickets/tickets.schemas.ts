import { Type, type Static } from '@sinclair/typebox';
import { errorResponses } from '@ticketing/http';

const Timestamp = Type.String({ format: 'date-time' });
const security = [{ bearerAuth: [] }];

export const TicketView = Type.Object({
  ticket_id: Type.String({ format: 'uuid' }),
  booking_id: Type.String({ format: 'uuid' }),
  seat: Type.String(),
  status: Type.Union([Type.Literal('valid'), Type.Literal('cancelled')], {
    description: '`cancelled`: the ticket no longer admits anyone (event cancelled, booking cancelled or refunded)',
  }),
  code: Type.String({ description: 'The signed ticket code, shown as a QR code (docs/tickets.md)' }),
  event: Type.Object({
    event_id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    venue: Type.String(),
    event_date: Timestamp,
  }),
  issued_at: Timestamp,
  cancelled_at: Type.Optional(Timestamp),
});
export type TicketView = Static<typeof TicketView>;

export const BookingTickets = Type.Object({
  booking_id: Type.String({ format: 'uuid' }),
  tickets: Type.Array(TicketView, { description: 'Empty until the booking is confirmed' }),
});
export type BookingTickets = Static<typeof BookingTickets>;

export const TicketList = Type.Object({
  tickets: Type.Array(TicketView),
  pagination: Type.Object({
    total: Type.Integer(),
    limit: Type.Integer(),
    offset: Type.Integer(),
    has_more: Type.Boolean(),
  }),
});
export type TicketList = Static<typeof TicketList>;

export const TicketListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
});
export type TicketListQuery = Static<typeof TicketListQuery>;

export const TicketKeys = Type.Object({
  keys: Type.Array(
    Type.Object({
      kid: Type.String({ description: 'The key id written in every code signed by this key' }),
      alg: Type.Literal('Ed25519'),
      public_key: Type.String({ description: 'base64url of the raw 32-byte Ed25519 public key' }),
    }),
    { description: 'The signing key first, then retired keys whose codes still verify' },
  ),
});
export type TicketKeys = Static<typeof TicketKeys>;

export const bookingTicketsSchema = {
  tags: ['tickets'],
  summary: 'The tickets of a booking, with their codes (the booking’s owner only)',
  security,
  params: Type.Object({ id: Type.String({ maxLength: 200 }) }),
  response: { 200: BookingTickets, ...errorResponses(401, 404) },
};

export const myTicketsSchema = {
  tags: ['tickets'],
  summary: 'The caller’s tickets, the soonest event first',
  security,
  querystring: TicketListQuery,
  response: { 200: TicketList, ...errorResponses(400, 401) },
};

export const ticketKeysSchema = {
  tags: ['tickets'],
  summary: 'The public keys that verify ticket codes (for gates verifying offline)',
  description: 'No authentication: a public key only verifies. docs/tickets.md describes the code format and rotation.',
  response: { 200: TicketKeys },
};
