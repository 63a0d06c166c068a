import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Uuid } from './formats.ts';
import { defineMessage } from './message.ts';

export const SEAT_CHANGES = ['held', 'released', 'booked', 'expired'] as const;
export type SeatChangeKind = (typeof SEAT_CHANGES)[number];

export const SEAT_STATUSES = ['available', 'held', 'booked'] as const;
export type SeatStatus = (typeof SEAT_STATUSES)[number];

/** The status a seat has after each change. */
export const SEAT_STATUS_AFTER: Readonly<Record<SeatChangeKind, SeatStatus>> = {
  held: 'held',
  released: 'available',
  booked: 'booked',
  expired: 'available',
};

/**
 * `seat-events` (key: event_id), event service → any consumer: one domain event per hold
 * transition, naming the seats whose status changed (docs/events.md).
 */
export const SeatEvent = Type.Object({
  type: Type.Union(SEAT_CHANGES.map((c) => Type.Literal(`seats.${c}` as const))),
  event_id: Uuid(),
  hold_id: Uuid(),
  user_id: Uuid(),
  booking_id: Type.Union([Uuid(), Type.Null()]),
  seats: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 100_000 }),
  status: Type.Union(SEAT_STATUSES.map((s) => Type.Literal(s))),
  timestamp: DateTime(),
});
export type SeatEvent = Static<typeof SeatEvent>;

export const seatEvents = defineMessage({ name: 'seat-events', version: 1, schema: SeatEvent });
