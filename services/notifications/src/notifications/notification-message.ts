import {
  formatCents,
  fromCents,
  MalformedMessageError,
  NOTIFICATION_TYPES,
  notificationRequests,
  toCents,
  type NotificationBookingData,
  type NotificationBookingDataV1,
  type NotificationRequest,
  type NotificationType,
} from '@ticketing/contracts';

export { NOTIFICATION_TYPES, type NotificationType };
/** The value of a `notification-requests` message (@ticketing/contracts). */
export type NotificationRequestValue = NotificationRequest;

/** A ticket of a confirmed booking, with its signed code (docs/tickets.md). */
export interface TicketDetails {
  ticketId: string;
  seat: string;
  code: string;
}

export interface BookingDetails {
  bookingId: string;
  eventName: string;
  venue: string;
  eventDate: Date;
  seats: string[];
  /** The amount in minor units (cents): never a binary float. */
  totalCents: number;
  userName: string;
  reason: string | undefined;
  paymentStatus: string | undefined;
  /** ISO 4217 of the amount; undefined: the mail settings' currency. */
  currency: string | undefined;
  /** booking_confirmed: the tickets to show as QR codes and send as a PDF (empty: none given). */
  tickets: TicketDetails[];
  /** event_rescheduled: the start time before the change (eventDate is the new one). */
  previousEventDate?: Date | undefined;
  /** booking_cancelled: what the cancellation gave back. */
  cancellation?: { id: string; by: 'buyer' | 'organizer'; refundCents: number; feeCents: number; remainingSeats: string[] } | undefined;
}

export interface Notification {
  type: NotificationType;
  recipientEmail: string;
  booking: BookingDetails;
}

/** Exact decimal text of cents ("199.98"), for formatting. */
export const centsToDecimal = (cents: number) => formatCents(cents) as `${number}`;

/**
 * Decodes a received message against the contract of its version. Throws MalformedMessageError
 * (an UnrecoverableError, so the bus dead-letters it at once) naming every problem.
 */
export function parseNotificationRequest(message: { raw: string; headers: Record<string, string> }): Notification {
  const value = notificationRequests.decode(message);
  return fromValue(value);
}

/**
 * The notification of a decoded value, or of a reminder's stored booking data (which may have
 * been stored by an earlier version, with the amount as decimal text).
 */
export function fromValue(value: {
  type: NotificationType;
  recipient_email: string;
  booking_data: NotificationBookingData | NotificationBookingDataV1;
}): Notification {
  const data = value.booking_data;
  const problems: string[] = [];
  const eventDate = new Date(data.event_date);
  if (Number.isNaN(eventDate.getTime())) problems.push('/booking_data/event_date: not a date');
  const totalCents = toCents(data.total_amount);
  if (totalCents === undefined) problems.push('/booking_data/total_amount: more than two decimals');
  if (problems.length > 0) throw new MalformedMessageError('notification-requests message', problems);
  return {
    type: value.type,
    recipientEmail: value.recipient_email.trim(),
    booking: {
      bookingId: data.booking_id.toLowerCase(),
      eventName: data.event_name,
      venue: data.venue,
      eventDate,
      seats: data.seats,
      totalCents: totalCents!,
      userName: data.user_name.trim(),
      reason: data.reason ?? undefined,
      paymentStatus: data.payment_status ?? undefined,
      currency: data.currency ?? undefined,
      tickets: (data.tickets ?? []).map((t) => ({ ticketId: t.ticket_id.toLowerCase(), seat: t.seat, code: t.code })),
      ...('previous_event_date' in data && data.previous_event_date !== undefined
        ? { previousEventDate: new Date(data.previous_event_date) }
        : {}),
      cancellation:
        'cancellation' in data && data.cancellation
          ? {
              id: data.cancellation.cancellation_id.toLowerCase(),
              by: data.cancellation.by,
              refundCents: toCents(data.cancellation.refund_amount) ?? 0,
              feeCents: toCents(data.cancellation.fee_amount) ?? 0,
              remainingSeats: data.cancellation.remaining_seats,
            }
          : undefined,
    },
  };
}

/** The contract's booking_data of a notification (stored with a reminder, re-parsed to send it). */
export function toBookingData(booking: BookingDetails): NotificationBookingData {
  return {
    booking_id: booking.bookingId,
    event_name: booking.eventName,
    venue: booking.venue,
    event_date: booking.eventDate.toISOString(),
    seats: booking.seats,
    total_amount: fromCents(booking.totalCents),
    user_name: booking.userName,
    ...(booking.currency !== undefined ? { currency: booking.currency } : {}),
  };
}
