import type { UserClaims } from '@ticketing/auth';
import { amountOfDecimal } from '@ticketing/contracts';
import type { Database, Queryable } from '@ticketing/db';
import { errors } from '../errors.ts';
import { isUuid } from '@ticketing/http';
import type { SeatChange, SeatChanges } from '../seats/seat-changes.ts';
import type { HoldRow, HoldStatus, HoldsRepository, SeatEvent, TransitionOutcome } from './holds.repository.ts';
import { directTransitions, type HoldTransitions } from './hold-transitions.ts';
import type { ReleasedSeats, ReleaseSeatsBody } from '@ticketing/contracts';
import type { ConfirmBody, HoldDetailsView, InternalHoldView, LockBody, ReleaseBody } from './holds.schemas.ts';

export interface HoldsServiceOptions {
  db: Database;
  repository: HoldsRepository;
  changes: SeatChanges;
  paymentWindowSeconds: number;
  /** Locks and confirms, batched (group commit, hold-transitions.ts); unset: each alone. */
  transitions?: HoldTransitions;
}

const toSeatEvent = (c: SeatChange): SeatEvent => ({
  type: `seats.${c.change}`,
  eventId: c.eventId,
  holdId: c.holdId,
  userId: c.userId,
  bookingId: c.bookingId ?? null,
  seats: c.seats,
});

const holdNotFound = () => errors.holdNotFound();
const notActive = (why: string) => errors.holdNotActive({ message: `The hold is not active: ${why}` });
const expired = () => errors.holdExpired();

/** The status a hold reads as: an active or locked hold whose time has passed is expired. */
export function effectiveStatus(h: Pick<HoldRow, 'status' | 'live'>): HoldStatus {
  return (h.status === 'active' || h.status === 'locked') && !h.live ? 'expired' : h.status;
}

export function toHoldDetails(h: HoldRow): HoldDetailsView {
  return {
    hold_id: h.id,
    user_id: h.user_id,
    event_id: h.event_id,
    event_name: h.event_name,
    venue: h.venue,
    event_date: h.event_date.toISOString(),
    seats: h.seat_labels,
    total_price: amountOfDecimal(h.total_price),
    currency: h.currency,
    expires_at: h.expires_at.toISOString(),
    status: effectiveStatus(h),
  };
}

export function toInternalHold(h: HoldRow): InternalHoldView {
  return { ...toHoldDetails(h), booking_id: h.booking_id };
}

/**
 * Hold transitions. Each runs in one transaction that starts by locking the hold's row, so
 * transitions of one hold are serialised; seats are touched only where they still belong to
 * that hold (or, for a confirm, are free again), so a stale hold can never free or book a seat
 * someone else holds.
 */
export function createHoldsService(opts: HoldsServiceOptions) {
  const { db, repository, changes } = opts;
  const transitions = opts.transitions ?? directTransitions(repository);

  /**
   * Runs a transition. Its seat change is written to the outbox in the same transaction (Kafka
   * gets it through the relay, even if Kafka is down now), and told to live seat maps after
   * the commit.
   */
  async function transition(
    holdId: string,
    fn: (tx: Queryable, hold: HoldRow) => Promise<{ result: HoldRow; change?: SeatChange }>,
  ): Promise<HoldRow> {
    if (!isUuid(holdId)) throw holdNotFound();
    const { result, change } = await db.transaction(async (tx) => {
      const hold = await repository.lockById(tx, holdId.toLowerCase());
      if (!hold) throw holdNotFound();
      const done = await fn(tx, hold);
      if (done.change) await repository.announce(tx, toSeatEvent(done.change));
      return done;
    });
    if (change) await changes.record(change);
    return result;
  }

  /** The hold a lock or confirm answers with, or the refusal it was decided with. */
  function answer(d: TransitionOutcome): HoldRow {
    switch (d.outcome) {
      case 'ok':
        return d.hold!;
      case 'hold_not_found':
        throw holdNotFound();
      case 'hold_expired':
        throw expired();
      case 'hold_not_active':
        throw notActive(d.reason ?? 'it cannot change now');
      case 'amount_mismatch':
        throw errors.amountMismatch({
          message: `The amount does not match the hold's total of ${d.reason}`,
          details: { expected: amountOfDecimal(d.reason ?? '0') },
        });
      case 'seats_unavailable':
        throw errors.seatsUnavailable({
          message: 'Some seats of the hold were taken after it expired',
          details: { seats: d.hold?.seat_labels ?? [] },
        });
    }
  }

  async function reread(tx: Queryable, id: string): Promise<HoldRow> {
    return (await repository.findById(id, tx))!;
  }

  async function free(tx: Queryable, hold: HoldRow, bookingId?: string): Promise<{ result: HoldRow; change: SeatChange }> {
    await repository.freeSeats(tx, hold);
    return {
      result: await repository.updateHold(tx, hold.id, { status: 'released' }),
      change: {
        change: 'released',
        eventId: hold.event_id,
        holdId: hold.id,
        userId: hold.user_id,
        bookingId: bookingId ?? hold.booking_id,
        seats: hold.seat_labels,
      },
    };
  }

  return {
    /** The caller's hold; an admin may read any. */
    async getHold(user: UserClaims, holdId: string): Promise<HoldDetailsView> {
      const hold = isUuid(holdId) ? await repository.findById(holdId.toLowerCase()) : undefined;
      if (!hold || (hold.user_id !== user.user_id && user.role !== 'admin')) throw holdNotFound();
      return toHoldDetails(hold);
    },

    /**
     * The owner lets go of an active hold. A hold that already ended (released or expired) is
     * left as it is; a hold locked for payment or confirmed is refused: a user never frees
     * seats a booking is paying for.
     */
    async releaseHold(user: UserClaims, holdId: string, eventId?: string): Promise<void> {
      await transition(holdId, async (tx, hold) => {
        if (hold.user_id !== user.user_id || (eventId !== undefined && hold.event_id !== eventId.toLowerCase())) throw holdNotFound();
        if (hold.status === 'confirmed') throw notActive('its seats are booked');
        if (hold.status === 'locked') throw notActive('a booking is paying for it');
        if (hold.status !== 'active' || !hold.live) return { result: hold };
        return free(tx, hold);
      });
    },

    async internalGet(holdId: string): Promise<InternalHoldView> {
      const hold = isUuid(holdId) ? await repository.findById(holdId.toLowerCase()) : undefined;
      if (!hold) throw holdNotFound();
      return toInternalHold(hold);
    },

    /** Locks an active hold for a booking's payment window (for its amount, when given). Idempotent per booking. */
    async lock(holdId: string, body: LockBody): Promise<InternalHoldView> {
      if (!isUuid(holdId)) throw holdNotFound();
      const decided = await transitions.lock({
        holdId: holdId.toLowerCase(),
        userId: body.user_id.toLowerCase(),
        bookingId: body.booking_id.toLowerCase(),
        lockSeconds: body.lock_seconds ?? opts.paymentWindowSeconds,
        totalPrice: body.total_price,
      });
      return toInternalHold(answer(decided));
    },

    /**
     * Books the seats of a hold locked by this booking, even a little past its expiry, as long
     * as every seat is still its own (or free again). Idempotent per booking.
     */
    async confirm(holdId: string, body: ConfirmBody): Promise<InternalHoldView> {
      if (!isUuid(holdId)) throw holdNotFound();
      const bookingId = body.booking_id.toLowerCase();
      const decided = await transitions.confirm({ holdId: holdId.toLowerCase(), bookingId });
      const hold = answer(decided);
      if (decided.changed) {
        await changes.record({
          change: 'booked',
          eventId: hold.event_id,
          holdId: hold.id,
          userId: hold.user_id,
          bookingId,
          seats: hold.seat_labels,
        });
      }
      return toInternalHold(hold);
    },

    /**
     * Seats of a confirmed booking go back on sale (its buyer cancelled them, or the organizer
     * refunded it): freed where this hold still has them booked, announced as `seats.released`
     * on the outbox and to live seat maps. Idempotent: a repeat frees nothing and announces nothing.
     */
    async releaseSeats(holdId: string, body: ReleaseSeatsBody): Promise<ReleasedSeats> {
      const bookingId = body.booking_id.toLowerCase();
      let released: string[] = [];
      const hold = await transition(holdId, async (tx, h) => {
        if (h.booking_id !== bookingId || (h.status !== 'confirmed' && h.status !== 'released')) {
          throw notActive('it is not confirmed by this booking');
        }
        released = await repository.releaseBookedSeats(tx, h, body.seats);
        if (released.length === 0) return { result: h };
        return {
          result: await reread(tx, h.id),
          change: { change: 'released', eventId: h.event_id, holdId: h.id, userId: h.user_id, bookingId, seats: released },
        };
      });
      return { hold_id: hold.id, event_id: hold.event_id, released, remaining: hold.seat_labels };
    },

    /** The price of each seat of a hold, from its section. */
    async seatPrices(holdId: string): Promise<{ hold_id: string; prices: Record<string, number> }> {
      const prices = isUuid(holdId) ? await repository.seatPrices(holdId.toLowerCase()) : undefined;
      if (!prices) throw holdNotFound();
      return { hold_id: holdId.toLowerCase(), prices: Object.fromEntries([...prices].map(([label, p]) => [label, amountOfDecimal(p)])) };
    },

    /** Releases an active hold, or one locked by this booking. Idempotent. */
    async internalRelease(holdId: string, body: ReleaseBody): Promise<InternalHoldView> {
      const bookingId = body.booking_id?.toLowerCase();
      const hold = await transition(holdId, async (tx, h) => {
        if (h.status === 'confirmed') throw notActive('its seats are booked');
        if (h.status === 'released') return { result: h };
        // The booking that locked the hold gives it up even past its expiry (or after the sweeper
        // marked it expired): marked released, a late confirm of that booking is refused, so a
        // booking settled as failed can never end up with booked seats.
        if (bookingId !== undefined && h.booking_id === bookingId && (h.status === 'locked' || h.status === 'expired')) {
          return free(tx, h, bookingId);
        }
        if (h.status === 'expired' || !h.live) return { result: h };
        if (h.status === 'locked' && h.booking_id !== bookingId) throw notActive('it is locked by another booking');
        return free(tx, h, bookingId);
      });
      return toInternalHold(hold);
    },
  };
}

export type HoldsService = ReturnType<typeof createHoldsService>;
