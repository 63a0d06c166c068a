/** An event's buyer cancellation policy as the event service states it (null: buyers cannot cancel). */
export interface CancellationPolicy {
  hours_before_start: number;
  fee_percent: number;
}

/** Why a buyer may not cancel now; each is a 409 with its own code (docs/errors.md). */
export type PolicyRefusal =
  | { code: 'cancellation_not_allowed' }
  | { code: 'event_cancelled' }
  | { code: 'cancellation_deadline_passed'; deadline: Date; started: boolean };

export type PolicyDecision = { ok: true; deadline: Date; feePercent: number } | ({ ok: false } & PolicyRefusal);

/**
 * May a buyer cancel now? Decided on the event as it is now (a reschedule moves the deadline):
 * not after the event's cancellation (that refunds everything anyway), not without a policy,
 * and not at or after `hours_before_start` before the start.
 */
export function decideBuyerCancellation(input: {
  policy: CancellationPolicy | null | undefined;
  eventDate: Date | undefined;
  cancelledAt: Date | null | undefined;
  now: Date;
}): PolicyDecision {
  if (input.cancelledAt) return { ok: false, code: 'event_cancelled' };
  if (!input.policy || !input.eventDate) return { ok: false, code: 'cancellation_not_allowed' };
  const deadline = new Date(input.eventDate.getTime() - input.policy.hours_before_start * 3_600_000);
  if (input.now.getTime() >= deadline.getTime()) {
    return { ok: false, code: 'cancellation_deadline_passed', deadline, started: input.now.getTime() >= input.eventDate.getTime() };
  }
  return { ok: true, deadline, feePercent: input.policy.fee_percent };
}

/**
 * The fee kept on `seatsCents` at `feePercent` (two decimals at most), rounded half up to a
 * whole minor unit; computed in bigint so that no amount loses precision.
 */
export function feeCents(seatsCents: number, feePercent: number): number {
  const hundredths = BigInt(Math.round(feePercent * 100));
  return Number((BigInt(seatsCents) * hundredths + 5_000n) / 10_000n);
}

/** The refund key of a buyer's cancellation: one refund per set of seats of a booking, ever. */
export const seatsRefundKey = (bookingId: string, seats: readonly string[]) => `cancel-seats:${bookingId}:${[...seats].sort().join(',')}`;

/** The refund key of an organizer's refund: a booking is refunded by its organizer once. */
export const organizerRefundKey = (bookingId: string) => `organizer-refund:${bookingId}`;
