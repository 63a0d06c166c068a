import type { UserClaims } from '@ticketing/auth';
import { isUuid } from '@ticketing/http';
import { createLimiter } from '@ticketing/tasks';
import type { BookingRow } from './bookings.repository.ts';
import type { BookingList, BookingView, ListQuery, SubmitResponse } from './bookings.schemas.ts';
import { toBookingView, toListItem, type PaymentActionSettings } from './bookings.views.ts';
import { submitBooking, type SubmitBookingDeps, type SubmitBookingInput } from './submit-booking.ts';
import { errors } from '../errors.ts';

const bookingNotFound = () => errors.bookingNotFound();

/** Owners see their bookings; admins see every booking; everyone else gets a 404. */
function canSee(user: UserClaims, ownerId: string): boolean {
  return user.user_id === ownerId || user.role === 'admin';
}

export function toSubmitResponse(row: BookingRow): SubmitResponse {
  const message =
    row.status === 'processing'
      ? 'Booking accepted and is being processed'
      : row.status === 'payment_action_required'
        ? 'Booking waits for the buyer to confirm the payment'
        : row.status === 'confirmed'
          ? 'Booking already confirmed'
          : row.status === 'cancelled'
            ? 'Booking already cancelled'
            : 'Booking already failed';
  return {
    booking_id: row.id,
    status: row.status,
    message,
    status_url: `/api/booking/${row.id}/status`,
    stream_url: `/api/booking/${row.id}/stream`,
  };
}

export function createBookingsService(deps: SubmitBookingDeps & { maxSubmitsInFlight: number; paymentAction: PaymentActionSettings }) {
  const { bookingsRepository } = deps;
  const submits = createLimiter(deps.maxSubmitsInFlight);

  return {
    /**
     * Accepts a booking. Above `maxSubmitsInFlight` concurrent submits the service is past its
     * capacity: it answers 503 with Retry-After at once rather than queueing for many seconds.
     */
    async submit(input: SubmitBookingInput) {
      if (!submits.tryAcquire()) {
        throw errors.serviceUnavailable({
          message: 'Too many bookings are being submitted right now; try again shortly',
          details: { retry_after_seconds: 1 },
        });
      }
      try {
        return await submitBooking(deps, input);
      } finally {
        submits.release();
      }
    },

    /** The booking if the caller may see it; a malformed id or another user's booking is not found. */
    async getVisible(user: UserClaims, id: string): Promise<BookingRow> {
      if (!isUuid(id)) throw bookingNotFound();
      const row = await bookingsRepository.findById(id.toLowerCase());
      if (!row || !canSee(user, row.user_id)) throw bookingNotFound();
      return row;
    },

    async getBooking(user: UserClaims, id: string): Promise<BookingView> {
      return toBookingView(await this.getVisible(user, id), deps.paymentAction);
    },

    async listBookings(user: UserClaims, userId: string, query: ListQuery): Promise<BookingList> {
      if (!isUuid(userId) || !canSee(user, userId.toLowerCase())) throw errors.userNotFound();
      const { rows, total } = await bookingsRepository.listByUser(userId.toLowerCase(), query);
      return {
        bookings: rows.map(toListItem),
        total,
        pagination: { total, limit: query.limit, offset: query.offset, has_more: query.offset + rows.length < total },
      };
    },
  };
}

export type BookingsService = ReturnType<typeof createBookingsService>;
