import { currentUser, requireUser, type AuthOptions } from '@ticketing/auth';
import { amountOfDecimal, formatCents, fromCents } from '@ticketing/contracts';
import type { App } from '@ticketing/http';
import { toBookingView } from '../bookings/bookings.views.ts';
import type { BookingsRepository } from '../bookings/bookings.repository.ts';
import type { CancellationRow } from './booking-cancellations.repository.ts';
import type { RefundsService } from './refunds.service.ts';
import { cancelSchema, quoteSchema, refundSchema, type CancellationView } from './refunds.schemas.ts';

export function registerRefundRoutes(
  app: App,
  deps: { refundsService: RefundsService; bookingsRepository: BookingsRepository; auth: AuthOptions },
): void {
  const { refundsService } = deps;
  const authenticated = requireUser(deps.auth);

  async function toView(c: CancellationRow): Promise<CancellationView> {
    const booking = (await deps.bookingsRepository.findById(c.booking_id))!;
    return {
      cancellation_id: c.id,
      booking_id: c.booking_id,
      kind: c.kind,
      status: c.status,
      seats: c.seats,
      seats_amount: fromCents(c.seats_cents),
      fee_percent: amountOfDecimal(c.fee_percent),
      fee_amount: fromCents(c.fee_cents),
      refund_amount: fromCents(c.refund_cents),
      refunded_amount: c.refunded_cents === null ? null : fromCents(c.refunded_cents),
      created_at: c.created_at.toISOString(),
      completed_at: c.completed_at?.toISOString() ?? null,
      booking: toBookingView(booking),
    };
  }

  app.get('/api/booking/:id/cancellation-quote', { schema: quoteSchema, preHandler: authenticated }, async (request) => {
    const seats = request.query.seats?.split(',').filter((s) => s.trim() !== '');
    const q = await refundsService.quote(currentUser(request), request.params.id, seats, { requestId: request.id });
    const d = q.decision;
    return {
      booking_id: q.booking.id,
      allowed: d.ok,
      refusal: d.ok ? null : refundsService.describeRefusal(d),
      policy: q.owner.cancellation_policy ?? null,
      deadline: d.ok || d.code === 'cancellation_deadline_passed' ? d.deadline.toISOString() : null,
      seats: q.seats,
      seats_amount: fromCents(q.seatsCents),
      fee_percent: amountOfDecimal(formatCents(Math.round(q.feePercent * 100))),
      fee_amount: fromCents(q.feeCents),
      refund_amount: fromCents(q.refundCents),
      currency: q.booking.currency,
    };
  });

  app.post(
    '/api/booking/:id/cancel',
    {
      schema: cancelSchema,
      preHandler: authenticated,
      // The body is optional: without one, the whole booking is cancelled.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) =>
      toView(await refundsService.cancelSeats(currentUser(request), request.params.id, request.body.seats, { requestId: request.id })),
  );

  app.post('/api/booking/:id/refund', { schema: refundSchema, preHandler: authenticated }, async (request) =>
    toView(await refundsService.refundBooking(currentUser(request), request.params.id, { requestId: request.id })),
  );
}
