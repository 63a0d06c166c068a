import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '@ticketing/db';
import { TransientError, UnrecoverableError } from '@ticketing/errors';
import type { Logger } from '@ticketing/http';
import { toMailError, type Mailer } from '@ticketing/mail';
import type { DeliveriesRepository, DeliveryStatus } from './deliveries.repository.ts';
import { toBookingData, type Notification } from './notification-message.ts';
import type { RemindersRepository } from './reminders.repository.ts';
import type { Clock } from './stats.ts';
import type { Templates } from './templates.ts';

export interface DeliveryInput {
  /** The id that identifies duplicates: the Kafka `message_id` header, or `reminder:<booking>`. */
  messageId: string;
  notification: Notification;
}

export type DeliveryOutcome =
  | { kind: 'sent'; deliveryId: string; smtpMessageId: string }
  | { kind: 'duplicate'; status: DeliveryStatus }
  | { kind: 'failed'; error: TransientError | UnrecoverableError; permanent: boolean };

export interface DeliveryOptions {
  db: Database;
  mailer: Mailer;
  templates: Templates;
  deliveries: DeliveriesRepository;
  reminders: RemindersRepository;
  clock: Clock;
  logger: Logger;
  /** How long a claim waits for another transaction holding the same delivery. */
  lockWaitMs: number;
  /** Domain of the stable Message-ID header (`<booking_confirmed.<booking_id>@domain>`). */
  messageIdDomain: string;
  reminderSettings: { enabled: boolean; leadTimeMs: number };
}

const isLockTimeout = (err: unknown) => (err as { code?: string } | null)?.code === '55P03';

/**
 * Sends the email of one notification at most once per message id and per (booking, type).
 *
 * The delivery row is claimed and the SMTP conversation runs inside ONE database transaction
 * that holds the row: a concurrent duplicate waits on the row lock (then sees 'sent' and drops
 * itself), and a crash before the commit rolls the claim back, so the message is simply handled
 * again. The only duplicate left is a crash between the server's 250 reply and the commit (two
 * short statements); the stable Message-ID header lets mail systems recognise that copy.
 */
export function createNotificationDelivery(opts: DeliveryOptions) {
  const { deliveries, reminders, templates, mailer } = opts;

  async function scheduleReminder(tx: Queryable, n: Notification): Promise<void> {
    if (n.type !== 'booking_confirmed' || !opts.reminderSettings.enabled) return;
    const now = opts.clock.now();
    const eventDate = n.booking.eventDate;
    // An event that has already started gets no reminder; one closer than the lead time gets it
    // as soon as the scheduler runs.
    if (eventDate.getTime() <= now.getTime()) return;
    const dueAt = new Date(Math.max(eventDate.getTime() - opts.reminderSettings.leadTimeMs, now.getTime()));
    await reminders.schedule(tx, {
      bookingId: n.booking.bookingId,
      recipientEmail: n.recipientEmail,
      payload: toBookingData(n.booking),
      eventDate,
      dueAt,
    });
  }

  /** Claims, sends and records one delivery inside the caller's transaction. Never throws for a mail failure. */
  async function deliverWithin(tx: Queryable, input: DeliveryInput): Promise<DeliveryOutcome> {
    const n = input.notification;
    const b = n.booking;
    const email = templates.render(n);
    const key = { messageId: input.messageId, bookingId: b.bookingId, type: n.type };
    const fields = { recipientEmail: n.recipientEmail, eventName: b.eventName, subject: email.subject };

    await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [`${opts.lockWaitMs}ms`]);
    let deliveryId: string;
    const claimed = await deliveries.insertClaim(tx, { id: randomUUID(), ...key, ...fields });
    if (claimed) {
      deliveryId = claimed.id;
    } else {
      const existing = await deliveries.lockExisting(tx, key);
      const sent = existing.find((r) => r.status === 'sent');
      if (sent) {
        await deliveries.countDuplicate(tx, sent.id);
        return { kind: 'duplicate', status: sent.status };
      }
      const sameBooking = existing.find((r) => r.booking_id === b.bookingId && r.type === n.type);
      if (!sameBooking) {
        // This message id was already used for another booking or type: a duplicate message id.
        const other = existing[0];
        if (!other) throw new TransientError('delivery row not visible yet');
        opts.logger.warn(
          { message_id: input.messageId, booking_id: b.bookingId, other_booking_id: other.booking_id },
          'message id reused for another notification',
        );
        await deliveries.countDuplicate(tx, other.id);
        return { kind: 'duplicate', status: other.status };
      }
      // 'failed' (to retry) or 'dead' (replayed from the dead letters): try again.
      deliveryId = sameBooking.id;
      await deliveries.reclaim(tx, deliveryId, fields);
    }
    if (n.type === 'booking_failed') await reminders.cancel(tx, b.bookingId);

    let smtpMessageId: string;
    try {
      const result = await mailer.send({
        to: n.recipientEmail,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: `<${n.type}.${b.bookingId}@${opts.messageIdDomain}>`,
        headers: { 'X-Notification-Type': n.type, 'X-Booking-Id': b.bookingId },
      });
      smtpMessageId = result.messageId;
    } catch (err) {
      const error = toMailError(err);
      const permanent = error instanceof UnrecoverableError;
      await deliveries.markFailed(tx, deliveryId, permanent ? 'dead' : 'failed', error.message);
      // A mailbox that refuses mail for good will refuse the reminder too.
      if (!permanent) await scheduleReminder(tx, n);
      return { kind: 'failed', error, permanent };
    }
    await deliveries.markSent(tx, deliveryId, smtpMessageId);
    await scheduleReminder(tx, n);
    return { kind: 'sent', deliveryId, smtpMessageId };
  }

  return {
    deliverWithin,

    /** Delivers in its own transaction (the consumer's path). */
    async deliver(input: DeliveryInput): Promise<DeliveryOutcome> {
      try {
        return await opts.db.transaction((tx) => deliverWithin(tx, input));
      } catch (err) {
        if (isLockTimeout(err)) throw new TransientError('the same email is being sent by another worker', { cause: err });
        throw err;
      }
    },
  };
}

export type NotificationDelivery = ReturnType<typeof createNotificationDelivery>;
