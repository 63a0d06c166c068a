import { randomUUID } from 'node:crypto';
import type { UserClaims } from '@ticketing/auth';
import type { OutboxRow, OutboxSignal } from '@ticketing/bus';
import { bookingCancellations, fromCents, notificationRequests, toCents, type InternalEventOwner } from '@ticketing/contracts';
import { DomainError, TransientError } from '@ticketing/errors';
import { invalidRequest, isUuid, type Logger } from '@ticketing/http';
import type { BookingRow, BookingsRepository } from '../bookings/bookings.repository.ts';
import { retryTransient } from '../bookings/process-booking.ts';
import { HoldRefusedError, type CallContext, type EventsClient } from '../clients/events-client.ts';
import { errors } from '../errors.ts';
import type { EventAccess } from '../organizer/event-access.ts';
import { PaymentGatewayError, type PaymentGateway } from '../payments/payment-gateway.ts';
import type { StatusPublisher } from '../stream/status-publisher.ts';
import { TicketsUsedError, type BookingCancellationsRepository, type CancellationRow } from './booking-cancellations.repository.ts';
import { decideBuyerCancellation, feeCents, organizerRefundKey, seatsRefundKey, type PolicyDecision } from './refund-policy.ts';

export interface RefundsDeps {
  bookingsRepository: BookingsRepository;
  cancellations: BookingCancellationsRepository;
  events: EventsClient;
  eventAccess: EventAccess;
  gateway: PaymentGateway;
  signal: OutboxSignal;
  status: StatusPublisher;
  notificationRequestsTopic: string;
  bookingCancellationsTopic: string;
  logger: Logger;
  /** @defaultValue Date.now */
  now?: () => number;
}

/** What a buyer's cancellation of some seats would come to (shown before they confirm). */
export interface Quote {
  booking: BookingRow;
  owner: InternalEventOwner;
  decision: PolicyDecision;
  seats: string[];
  seatsCents: number;
  feePercent: number;
  feeCents: number;
  refundCents: number;
}

const uniq = (xs: readonly string[]) => [...new Set(xs.map((x) => x.trim().toUpperCase()))];

function refusal(d: Exclude<PolicyDecision, { ok: true }>) {
  switch (d.code) {
    case 'event_cancelled':
      return errors.eventCancelled();
    case 'cancellation_not_allowed':
      return errors.cancellationNotAllowed();
    case 'cancellation_deadline_passed':
      return errors.cancellationDeadlinePassed({
        message: d.started
          ? 'The event has started: bookings can no longer be cancelled'
          : `Cancellations for this event closed at ${d.deadline.toISOString()}`,
        details: { deadline: d.deadline.toISOString() },
      });
  }
}

/**
 * Buyer cancellations and organizer refunds (docs/refunds.md). Each is decided by one
 * conditional statement (claim), then the money goes back through the gateway with the
 * cancellation's own key (at most once, whatever is retried), the seats go back on sale, and
 * one statement records the refund with the buyer's email and the `booking-cancellations`
 * message. A request that dies after the claim leaves the cancellation `refunding`: `resume`
 * finishes it (every step is idempotent).
 */
export function createRefundsService(deps: RefundsDeps) {
  const { bookingsRepository: bookings, cancellations, events } = deps;
  const now = () => new Date((deps.now ?? Date.now)());
  const log = deps.logger.child({ component: 'refunds' });

  async function visibleBooking(user: UserClaims, id: string): Promise<BookingRow> {
    const row = isUuid(id) ? await bookings.findById(id.toLowerCase()) : undefined;
    if (!row || (row.user_id !== user.user_id && user.role !== 'admin')) throw errors.bookingNotFound();
    return row;
  }

  async function eventOf(booking: BookingRow, ctx: CallContext): Promise<InternalEventOwner> {
    const owner = await events.getEventOwner(booking.event_id, ctx);
    // The event service never deletes events: an unknown one is a bug or a split deployment.
    if (!owner) throw new TransientError(`event ${booking.event_id} of booking ${booking.id} is unknown to the event service`);
    return owner;
  }

  function notCancellable(b: BookingRow) {
    if (b.status === 'cancelled') return errors.bookingNotCancellable({ message: 'This booking is already cancelled' });
    return errors.bookingNotCancellable({ message: `Only a confirmed booking can be cancelled; this one is ${b.status}` });
  }

  /** The seats asked for (default: all not cancelled yet), checked against the booking. */
  function seatsToCancel(b: BookingRow, asked: readonly string[] | undefined): string[] {
    const open = b.seats.filter((s) => !b.cancelled_seats.includes(s));
    if (asked === undefined || asked.length === 0) return open;
    const wanted = uniq(asked);
    const unknown = wanted.filter((s) => !b.seats.includes(s));
    if (unknown.length > 0) throw invalidRequest({ seats: `not seats of this booking: ${unknown.join(', ')}` });
    const gone = wanted.filter((s) => b.cancelled_seats.includes(s));
    if (gone.length > 0) throw errors.seatsAlreadyCancelled({ details: { seats: gone } });
    return wanted;
  }

  /** A seat leaves its hold only once cancelled: a price missing means another cancellation took it meanwhile. */
  async function lostRace(b: BookingRow): Promise<never> {
    const now = (await bookings.findById(b.id))!;
    if (now.status !== 'confirmed') throw notCancellable(now);
    throw errors.seatsAlreadyCancelled({ details: { seats: now.cancelled_seats } });
  }

  async function pricesOf(b: BookingRow, seats: readonly string[], ctx: CallContext): Promise<Record<string, number>> {
    let prices: Record<string, number>;
    try {
      prices = await retryTransient(() => events.seatPrices(b.hold_id, ctx));
    } catch (err) {
      if (err instanceof HoldRefusedError && err.refusal === 'hold_not_found') return lostRace(b);
      throw err;
    }
    if (seats.some((s) => prices[s] === undefined)) return lostRace(b);
    return prices;
  }

  async function quoteFor(user: UserClaims, id: string, asked: readonly string[] | undefined, ctx: CallContext): Promise<Quote> {
    const booking = await visibleBooking(user, id);
    if (booking.status !== 'confirmed') throw notCancellable(booking);
    const seats = seatsToCancel(booking, asked);
    const owner = await eventOf(booking, ctx);
    const decision = decideBuyerCancellation({
      policy: owner.cancellation_policy,
      eventDate: owner.event_date ? new Date(owner.event_date) : undefined,
      cancelledAt: owner.cancelled_at ? new Date(owner.cancelled_at) : null,
      now: now(),
    });
    const prices = await pricesOf(booking, seats, ctx);
    const seatsCents = seats.reduce((sum, s) => sum + (toCents(prices[s]!) ?? 0), 0);
    const feePercent = decision.ok ? decision.feePercent : 0;
    const fee = feeCents(seatsCents, feePercent);
    // Never more than is left of the payment (an earlier refund may have given some back).
    const left = Number(booking.total_cents) - Number(booking.refunded_cents);
    return {
      booking,
      owner,
      decision,
      seats,
      seatsCents,
      feePercent,
      feeCents: fee,
      refundCents: Math.max(0, Math.min(seatsCents - fee, left)),
    };
  }

  function messagesFor(
    c: CancellationRow,
    b: BookingRow,
    owner: Pick<InternalEventOwner, 'organization_id'>,
    refunded: number,
  ): OutboxRow[] {
    const remaining = b.seats.filter((s) => !b.cancelled_seats.includes(s));
    const headers: Record<string, string> = b.traceparent ? { traceparent: b.traceparent } : {};
    return [
      {
        id: randomUUID(),
        ...notificationRequests.message({
          topic: deps.notificationRequestsTopic,
          key: b.id,
          headers,
          value: {
            type: 'booking_cancelled',
            recipient_email: b.user_email,
            booking_data: {
              booking_id: b.id,
              event_name: b.event_name,
              venue: b.venue,
              event_date: b.event_date.toISOString(),
              seats: c.seats,
              total_amount: fromCents(c.seats_cents),
              currency: b.currency,
              user_name: b.user_name,
              payment_status: refunded > 0 ? 'refunded' : 'captured',
              cancellation: {
                cancellation_id: c.id,
                by: c.kind,
                refund_amount: fromCents(refunded),
                fee_amount: fromCents(c.fee_cents),
                remaining_seats: remaining,
              },
            },
            timestamp: new Date().toISOString(),
          },
        }),
      },
      {
        id: randomUUID(),
        ...bookingCancellations.message({
          topic: deps.bookingCancellationsTopic,
          key: b.id,
          headers,
          value: {
            type: c.kind === 'organizer' ? 'booking.refunded' : 'booking.cancelled',
            cancellation_id: c.id,
            booking_id: b.id,
            event_id: b.event_id,
            organization_id: owner.organization_id,
            user_id: b.user_id,
            requested_by: c.requested_by,
            seats: c.seats,
            remaining_seats: remaining,
            status: b.status === 'cancelled' ? 'cancelled' : 'confirmed',
            refund_amount: fromCents(refunded),
            fee_amount: fromCents(c.fee_cents),
            currency: b.currency,
            timestamp: new Date().toISOString(),
          },
        }),
      },
    ];
  }

  /**
   * Gives the cancellation's money back, once (its refund key). Money already back through
   * another refund of the same payment (the event's cancellation, the organizer's refund, the
   * provider's dashboard) is not given twice: the gateway refuses, and this one counts 0.
   */
  async function refund(c: CancellationRow, b: BookingRow): Promise<{ refundedCents: number; refundId: string | null }> {
    const asked = Number(c.refund_cents);
    if (b.payment_id === null || (c.kind === 'buyer' && asked === 0)) return { refundedCents: 0, refundId: null };
    try {
      const r = await retryTransient(() =>
        deps.gateway.refund({
          paymentId: b.payment_id!,
          idempotencyKey: c.refund_key,
          // The organizer's refund gives back everything left; a buyer's exactly the seats minus the fee.
          ...(c.kind === 'buyer' ? { amountCents: asked } : {}),
          reason: c.kind === 'buyer' ? 'requested_by_customer' : 'organizer_refund',
        }),
      );
      return { refundedCents: r.amountCents, refundId: r.refundId };
    } catch (err) {
      if (err instanceof PaymentGatewayError && (err.code === 'already_refunded' || err.code === 'refund_exceeds_charge')) {
        log.warn({ cancellation_id: c.id, booking_id: b.id, code: err.code }, 'the money was already given back by another refund');
        return { refundedCents: 0, refundId: null };
      }
      throw err;
    }
  }

  /** Refund, release the seats, record: each step safe to repeat. */
  async function finish(c: CancellationRow, owner?: InternalEventOwner, ctx: CallContext = {}): Promise<CancellationRow> {
    const b = (await bookings.findById(c.booking_id))!;
    const money = await refund(c, b);
    if (c.seats.length > 0) {
      try {
        await retryTransient(() => events.releaseSeats(b.hold_id, { booking_id: b.id, seats: c.seats }, ctx));
      } catch (err) {
        // The hold is not this booking's confirmed one (a booking confirmed before holds were kept): nothing to free.
        if (!(err instanceof HoldRefusedError)) throw err;
        log.warn({ cancellation_id: c.id, booking_id: b.id, err }, 'seats of the cancellation not released');
      }
    }
    const org = owner ?? (await eventOf(b, ctx));
    const done = await cancellations.complete(c.id, money, messagesFor(c, b, org, money.refundedCents));
    if (done) {
      deps.signal.notify();
      deps.status.publish(done);
    }
    return (await cancellations.find(c.id))!;
  }

  async function claimOrRefuse(c: Parameters<BookingCancellationsRepository['claimSeats']>[0]) {
    try {
      return await cancellations.claimSeats(c);
    } catch (err) {
      if (err instanceof TicketsUsedError) {
        throw errors.ticketAlreadyUsed({
          message: `The ticket of ${err.seats.join(', ')} was already used at the door: it cannot be cancelled`,
          details: { seats: err.seats },
        });
      }
      throw err;
    }
  }

  async function finishOrLeave(c: CancellationRow, owner: InternalEventOwner, ctx: CallContext): Promise<CancellationRow> {
    try {
      return await finish(c, owner, ctx);
    } catch (err) {
      // Decided already: the resumer finishes it. The buyer sees it `refunding`.
      log.warn({ cancellation_id: c.id, err }, 'cancellation not finished; it will be resumed');
      return c;
    }
  }

  return {
    async quote(user: UserClaims, id: string, seats: readonly string[] | undefined, ctx: CallContext = {}): Promise<Quote> {
      return quoteFor(user, id, seats, ctx);
    },

    /** A buyer cancels seats of their confirmed booking (all when none are named), under the event's policy. */
    async cancelSeats(user: UserClaims, id: string, seats: readonly string[] | undefined, ctx: CallContext = {}) {
      const q = await quoteFor(user, id, seats, ctx);
      if (!q.decision.ok) throw refusal(q.decision);
      const claimed = await claimOrRefuse({
        id: randomUUID(),
        bookingId: q.booking.id,
        kind: 'buyer',
        seats: q.seats,
        requestedBy: user.user_id,
        seatsCents: q.seatsCents,
        feePercent: q.feePercent,
        feeCents: q.feeCents,
        refundCents: q.refundCents,
        refundKey: seatsRefundKey(q.booking.id, q.seats),
      });
      // Lost to another cancellation (or the event's) that changed the booking meanwhile.
      if (!claimed) return lostRace(q.booking);
      return finishOrLeave(claimed, q.owner, ctx);
    },

    /** The event's organizer (owner, manager) refunds a booking in full: no policy, no fee. */
    async refundBooking(user: UserClaims, id: string, ctx: CallContext = {}) {
      const booking = isUuid(id) ? await bookings.findById(id.toLowerCase()) : undefined;
      if (!booking) throw errors.bookingNotFound();
      try {
        await deps.eventAccess.authorize(user, 'booking.refund', booking.event_id, ctx);
      } catch (err) {
        // An outsider learns nothing about the booking.
        if (err instanceof DomainError && err.code === 'event_not_found') throw errors.bookingNotFound();
        throw err;
      }
      if (booking.status !== 'confirmed' && booking.status !== 'cancelled') throw notCancellable(booking);
      const claimed = await cancellations.claimOrganizerRefund({
        id: randomUUID(),
        bookingId: booking.id,
        kind: 'organizer',
        requestedBy: user.user_id,
        refundKey: organizerRefundKey(booking.id),
      });
      if (!claimed) throw errors.alreadyRefunded();
      return finishOrLeave(claimed, await eventOf(booking, ctx), ctx);
    },

    /** Finishes cancellations left `refunding` (a request died midway); returns how many it finished. */
    async resume(olderThanSeconds: number, limit = 50): Promise<number> {
      let n = 0;
      for (const c of await cancellations.findUnfinished(olderThanSeconds, limit)) {
        try {
          await finish(c);
          n++;
        } catch (err) {
          log.warn({ cancellation_id: c.id, err }, 'cancellation still not finished; retrying later');
        }
      }
      return n;
    },

    listFor: (bookingId: string) => cancellations.listForBooking(bookingId),

    /** The error a refused cancellation answers, as the quote shows it. */
    describeRefusal(d: Exclude<PolicyDecision, { ok: true }>): { error: string; message: string } {
      const e = refusal(d);
      return { error: e.code, message: e.message };
    },
  };
}

export type RefundsService = ReturnType<typeof createRefundsService>;
