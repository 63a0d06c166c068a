import { createHash, randomUUID } from 'node:crypto';
import type { UserClaims } from '@ticketing/auth';
import { amountOfDecimal } from '@ticketing/contracts';
import { invalidRequest } from '@ticketing/http';
import { errors, type EventsError } from '../errors.ts';
import type { EventsService } from '../events/events.service.ts';
import type { SeatChanges } from '../seats/seat-changes.ts';
import { seatNoOfLabel } from '../seats/seat-layout.ts';
import type { SeatsService } from '../seats/seats.service.ts';
import type { HoldSeatsInput, HoldSeatsOutcome, HoldsRepository } from './holds.repository.ts';
import type { HoldCreatedView } from './holds.schemas.ts';
import type { EventRow } from '../events/events.repository.ts';

export interface HoldSeatsDeps {
  events: Pick<EventsService, 'getEventRow'>;
  seats: Pick<SeatsService, 'alternatives'>;
  holdsRepository: Pick<HoldsRepository, 'earliestLiveExpiry' | 'salesState' | 'findByIdempotencyKey'>;
  /** Runs the deciding statement: alone, or batched with concurrent requests (group commit). */
  decide: (input: HoldSeatsInput) => Promise<HoldSeatsOutcome>;
  changes: SeatChanges;
  maxSeatsPerHold: number;
  maxActiveHoldsPerUser: number;
  onOutcome?: (kind: string) => void;
}

function invalid(problem: string, field = 'seat_numbers'): EventsError {
  return invalidRequest({ [field]: problem });
}

/** What a hold request asks for: named seats, or a quantity of the best available ones. */
export interface HoldRequest {
  seat_numbers?: readonly string[] | undefined;
  quantity?: number | undefined;
  section?: string | undefined;
}

/** The body's fingerprint an Idempotency-Key is bound to (seat order and letter case do not matter). */
export function holdRequestHash(eventId: string, req: HoldRequest): string {
  const canonical = JSON.stringify([
    eventId.toLowerCase(),
    req.seat_numbers ? [...req.seat_numbers].sort() : null,
    req.quantity ?? null,
    req.section ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('base64url');
}

/** POST /api/events/{id}/hold: the whole story of taking seats. */
export function createHoldSeats(deps: HoldSeatsDeps) {
  /**
   * The hold an earlier request with this Idempotency-Key made, answered again without
   * deciding anything (undefined: the key made no hold). For a retry whose admission token
   * that earlier request spent: the same hold, as the deciding statement would answer it.
   */
  async function replay(
    user: UserClaims,
    eventId: string,
    req: HoldRequest,
    idempotencyKey: string,
  ): Promise<(HoldCreatedView & { replayed: boolean }) | undefined> {
    const prev = await deps.holdsRepository.findByIdempotencyKey(user.user_id, idempotencyKey);
    if (!prev) return undefined;
    if (prev.request_hash !== holdRequestHash(eventId, req)) throw errors.idempotencyKeyMismatch();
    return {
      hold_id: prev.id,
      event_id: prev.event_id,
      held_seats: prev.seat_labels,
      expires_at: prev.expires_at.toISOString(),
      total_price: amountOfDecimal(prev.total_price),
      replayed: true,
    };
  }

  async function holdSeats(
    user: UserClaims,
    eventId: string,
    req: HoldRequest,
    opts: { idempotencyKey?: string | undefined } = {},
  ): Promise<HoldCreatedView & { replayed: boolean }> {
    const idempotency = opts.idempotencyKey === undefined ? undefined : { key: opts.idempotencyKey, hash: holdRequestHash(eventId, req) };
    const base = { holdId: randomUUID(), userId: user.user_id, maxActiveHolds: deps.maxActiveHoldsPerUser, idempotency };

    if (req.seat_numbers !== undefined && req.quantity !== undefined) {
      throw invalid('give either seat_numbers or quantity, not both');
    }
    if (req.quantity !== undefined) {
      if (req.quantity > deps.maxSeatsPerHold) throw invalid(`must hold at most ${deps.maxSeatsPerHold} seats`, 'quantity');
      const event = await deps.events.getEventRow(eventId);
      const range = sectionRange(event, req.section);
      if (req.quantity > range.perRow) {
        throw invalid(`at most ${range.perRow} adjacent seats fit in one row`, 'quantity');
      }
      const outcome = await deps.decide({ ...base, eventId: event.id, seatNos: [], bestAvailable: { quantity: req.quantity, ...range } });
      return answer(user, event, base.holdId, outcome, [], req.quantity);
    }
    if (req.section !== undefined) throw invalid('a section is chosen only with quantity (best available)', 'section');
    const labels = req.seat_numbers;
    if (labels === undefined) throw invalid('give seat_numbers (the seats to hold) or quantity (best available)');
    if (labels.length > deps.maxSeatsPerHold) throw invalid(`must hold at most ${deps.maxSeatsPerHold} seats`);
    const duplicates = [...new Set(labels.filter((l, i) => labels.indexOf(l) !== i))];
    if (duplicates.length > 0) throw invalid(`must not repeat a seat (${duplicates.join(', ')})`);

    // Whether sales are open is decided by the database clock, in the deciding statement.
    const event = await deps.events.getEventRow(eventId);

    const seats = labels.map((label) => ({
      label,
      seatNo: seatNoOfLabel(event.sections, label),
    }));
    const unknown = seats.filter((s) => s.seatNo === undefined).map((s) => s.label);
    if (unknown.length > 0) {
      // A closed event answers sales_closed (a draft event_not_found) whatever the seats (asked only on this error path).
      const sales = await deps.holdsRepository.salesState(event.id);
      if (sales === 'not_found') throw errors.eventNotFound();
      if (sales === 'closed') throw salesClosed();
      throw errors.invalidSeats({ message: `seat numbers do not exist: ${unknown.join(', ')}`, details: { invalid_seats: unknown } });
    }
    const seatNos = seats.map((s) => s.seatNo!).sort((a, b) => a - b);

    const outcome = await deps.decide({ ...base, eventId: event.id, seatNos });
    return answer(user, event, base.holdId, outcome, seatNos, seatNos.length);
  }

  async function answer(
    user: UserClaims,
    event: EventRow,
    holdId: string,
    outcome: HoldSeatsOutcome,
    seatNos: number[],
    quantity: number,
  ): Promise<HoldCreatedView & { replayed: boolean }> {
    deps.onOutcome?.(outcome.kind);
    switch (outcome.kind) {
      case 'held': {
        const replayed = outcome.holdId !== holdId;
        // A retry answers the first request's hold; its seat change was told then.
        if (!replayed) {
          await deps.changes.record({
            change: 'held',
            eventId: event.id,
            holdId: outcome.holdId,
            userId: user.user_id,
            seats: outcome.labels,
          });
        }
        return {
          hold_id: outcome.holdId,
          event_id: event.id,
          held_seats: outcome.labels,
          expires_at: outcome.expiresAt.toISOString(),
          total_price: amountOfDecimal(outcome.totalPrice),
          replayed,
        };
      }
      case 'no_seats':
        throw errors.seatsUnavailable({
          message: `There are not ${quantity} adjacent seats available`,
          details: { quantity },
        });
      case 'key_in_use':
        throw errors.idempotencyKeyInUse();
      case 'key_mismatch':
        throw errors.idempotencyKeyMismatch();
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
  }

  return Object.assign(holdSeats, { replay });
}

/**
 * The seat numbers best available picks among, and their row length: the named section
 * (case-insensitive), or the event's only section. An event with several sections of
 * different widths needs the section named (rows of one section only are comparable).
 */
function sectionRange(event: EventRow, section: string | undefined): { from: number; to: number; perRow: number } {
  const named = section?.trim().toLowerCase();
  const s =
    named === undefined
      ? event.sections.length === 1
        ? event.sections[0]
        : undefined
      : event.sections.find((x) => x.name.toLowerCase() === named);
  if (!s) {
    const names = event.sections.map((x) => x.name).join(', ');
    throw invalid(
      section === undefined
        ? `this event has several sections: choose one (${names})`
        : `this event has no section named ${JSON.stringify(section)} (it has ${names})`,
      'section',
    );
  }
  return { from: s.first_seat_no, to: s.first_seat_no + s.seat_count - 1, perRow: s.seats_per_row };
}

function salesClosed(): EventsError {
  return errors.salesClosed();
}

export type HoldSeats = ReturnType<typeof createHoldSeats>;
