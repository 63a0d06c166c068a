import { randomUUID } from 'node:crypto';
import type { UserClaims } from '@ticketing/auth';
import { amountOfDecimal } from '@ticketing/contracts';
import { invalidRequest } from '@ticketing/http';
import { errors, type EventsError } from '../errors.ts';
import type { EventsService } from '../events/events.service.ts';
import type { SeatChanges } from '../seats/seat-changes.ts';
import { seatNoOf } from '../seats/seat-labels.ts';
import type { SeatsService } from '../seats/seats.service.ts';
import type { HoldSeatsInput, HoldSeatsOutcome, HoldsRepository } from './holds.repository.ts';
import type { HoldCreatedView } from './holds.schemas.ts';

export interface HoldSeatsDeps {
  events: Pick<EventsService, 'getEventRow'>;
  seats: Pick<SeatsService, 'alternatives'>;
  holdsRepository: Pick<HoldsRepository, 'earliestLiveExpiry' | 'salesOpen'>;
  /** Runs the deciding statement: alone, or batched with concurrent requests (group commit). */
  decide: (input: HoldSeatsInput) => Promise<HoldSeatsOutcome>;
  changes: SeatChanges;
  maxSeatsPerHold: number;
  maxActiveHoldsPerUser: number;
  onOutcome?: (kind: string) => void;
}

function invalid(problem: string): EventsError {
  return invalidRequest({ seat_numbers: problem });
}

/** POST /api/events/{id}/hold: the whole story of taking seats. */
export function createHoldSeats(deps: HoldSeatsDeps) {
  return async function holdSeats(user: UserClaims, eventId: string, labels: readonly string[]): Promise<HoldCreatedView> {
    if (labels.length > deps.maxSeatsPerHold) throw invalid(`must hold at most ${deps.maxSeatsPerHold} seats`);
    const duplicates = [...new Set(labels.filter((l, i) => labels.indexOf(l) !== i))];
    if (duplicates.length > 0) throw invalid(`must not repeat a seat (${duplicates.join(', ')})`);

    // Whether sales are open is decided by the database clock, in the deciding statement.
    const event = await deps.events.getEventRow(eventId);

    const seats = labels.map((label) => ({
      label,
      seatNo: seatNoOf(label, { seatsPerRow: event.seats_per_row, totalSeats: event.total_seats }),
    }));
    const unknown = seats.filter((s) => s.seatNo === undefined).map((s) => s.label);
    if (unknown.length > 0) {
      // A closed event answers sales_closed whatever the seats (asked only on this error path).
      if (!(await deps.holdsRepository.salesOpen(event.id))) throw salesClosed();
      throw errors.invalidSeats({ message: `seat numbers do not exist: ${unknown.join(', ')}`, details: { invalid_seats: unknown } });
    }
    const seatNos = seats.map((s) => s.seatNo!).sort((a, b) => a - b);

    const outcome = await deps.decide({
      holdId: randomUUID(),
      eventId: event.id,
      userId: user.user_id,
      seatNos,
      maxActiveHolds: deps.maxActiveHoldsPerUser,
    });
    deps.onOutcome?.(outcome.kind);
    switch (outcome.kind) {
      case 'held':
        await deps.changes.record({
          change: 'held',
          eventId: event.id,
          holdId: outcome.holdId,
          userId: user.user_id,
          seats: outcome.labels,
        });
        return {
          hold_id: outcome.holdId,
          event_id: event.id,
          held_seats: outcome.labels,
          expires_at: outcome.expiresAt.toISOString(),
          total_price: amountOfDecimal(outcome.totalPrice),
        };
      case 'unavailable': {
        const alternatives = await deps.seats.alternatives(event, seatNos, seatNos.length);
        throw errors.seatsUnavailable({ details: { unavailable_seats: outcome.taken, available_alternatives: alternatives } });
      }
      case 'limit_reached': {
        const next = await deps.holdsRepository.earliestLiveExpiry(event.id, user.user_id);
        const retryAfter = next ? Math.max(1, Math.ceil((next.getTime() - Date.now()) / 1000)) : 1;
        throw errors.holdLimitReached({
          message: `You already hold seats ${outcome.live} times for this event (the limit is ${deps.maxActiveHoldsPerUser})`,
          details: { max_active_holds: deps.maxActiveHoldsPerUser, retry_after_seconds: retryAfter },
        });
      }
      case 'sales_closed':
        throw salesClosed();
      case 'event_not_found':
        throw errors.eventNotFound();
    }
  };
}

function salesClosed(): EventsError {
  return errors.salesClosed();
}

export type HoldSeats = ReturnType<typeof createHoldSeats>;
