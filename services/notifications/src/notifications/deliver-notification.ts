import { randomUUID } from 'node:crypto';
import type { WaitlistOffer } from '@ticketing/contracts';
import type { Database, Queryable } from '@ticketing/db';
import { TransientError, UnrecoverableError } from '@ticketing/errors';
import type { Logger } from '@ticketing/http';
import { toMailError, type Mailer } from '@ticketing/mail';
import type { DeliveriesRepository, DeliveryStatus } from './deliveries.repository.ts';
import { toBookingData, type Notification } from './notification-message.ts';
import type { RemindersRepository } from './reminders.repository.ts';
import type { Clock } from './stats.ts';
import { accountEmailLabel, type AccountEmailLike, type RenderedEmail, type Templates } from './templates.ts';
import { ticketAttachments } from './ticket-documents.ts';

export interface DeliveryInput {
  /** The id that identifies duplicates: the Kafka `message_id` header, or `reminder:<booking>`. */
  messageId: string;
  notification: Notification;
}

/** One email to send once, whatever its kind. */
interface EmailItem {
  /** The id that identifies duplicates. */
  messageId: string;
  type: string;
  /** Booking emails: also at most one per (booking, type). Null for account emails. */
  bookingId: string | null;
  recipientEmail: string;
  /** What the email is about, kept with the delivery (the event's name for booking emails). */
  label: string;
  email: RenderedEmail;
  /** The stable Message-ID (before `@domain`), the same for every copy. */
  smtpMessageId: string;
  headers: Record<string, string>;
  /** Runs in the transaction that claims the delivery. */
  onClaimed?: ((tx: Queryable) => Promise<void>) | undefined;
  /** Runs in the transaction that records a send the server accepted, or one that failed transiently. */
  afterSend?: ((tx: Queryable) => Promise<void>) | undefined;
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
  /** How long a claim waits for another claim's (short) transaction on the same delivery. */
  lockWaitMs: number;
  /**
   * How long a claim owns a delivery while it sends. Longer than any SMTP conversation can take
   * (the mailer's timeouts); a worker that dies mid-send delays that email by at most this.
   */
  sendLeaseMs: number;
  /** Domain of the stable Message-ID header (`<booking_confirmed.<booking_id>@domain>`). */
  messageIdDomain: string;
  reminderSettings: { enabled: boolean; leadTimeMs: number };
}

const isLockTimeout = (err: unknown) => (err as { code?: string } | null)?.code === '55P03';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Claim =
  { kind: 'claimed'; deliveryId: string } | { kind: 'duplicate'; status: DeliveryStatus } | { kind: 'busy'; leaseUntil: Date | null };

/**
 * Sends the email of one notification once per message id and per (booking, type), with no
 * database transaction open during the SMTP conversation:
 *
 * 1. claim: one short transaction inserts the delivery row as 'sending' with a lease and this
 *    attempt's token (or takes over a 'failed', 'dead' or abandoned 'sending' row); a 'sent' row
 *    makes the message a duplicate, a live lease means another worker is sending it now;
 * 2. send over SMTP, holding nothing in the database;
 * 3. mark 'sent' (and schedule the reminder) in one short transaction, retried while the database
 *    blinks.
 *
 * The guarantee is at least once: a crash (or a database outage outlasting step 3's retries)
 * between the server's acceptance and step 3 leaves the row 'sending'; once its lease has passed
 * the redelivered message sends it again, with the same stable Message-ID header so mail systems
 * can recognise the copy. A crash before the acceptance sends it once, after the lease.
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

  /** A rescheduled event's pending reminder follows the new start time. */
  async function moveReminder(tx: Queryable, n: Notification): Promise<void> {
    const eventDate = n.booking.eventDate;
    const dueAt = new Date(Math.max(eventDate.getTime() - opts.reminderSettings.leadTimeMs, opts.clock.now().getTime()));
    await reminders.move(tx, n.booking.bookingId, eventDate, dueAt);
  }

  async function claim(item: EmailItem, claimToken: string): Promise<Claim> {
    const key = { messageId: item.messageId, bookingId: item.bookingId, type: item.type };
    const fields = { recipientEmail: item.recipientEmail, eventName: item.label, subject: item.email.subject };
    const lease = { claimToken, leaseMs: opts.sendLeaseMs };
    try {
      return await opts.db.transaction(async (tx): Promise<Claim> => {
        await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [`${opts.lockWaitMs}ms`]);
        let deliveryId: string;
        const claimed = await deliveries.insertClaim(tx, { id: randomUUID(), ...key, ...fields, ...lease });
        if (claimed) {
          deliveryId = claimed.id;
        } else {
          const existing = await deliveries.lockExisting(tx, key);
          const sent = existing.find((r) => r.status === 'sent');
          if (sent) {
            await deliveries.countDuplicate(tx, sent.id);
            return { kind: 'duplicate', status: sent.status };
          }
          const same = existing.find((r) =>
            item.bookingId === null ? r.message_id === item.messageId : r.booking_id === item.bookingId && r.type === item.type,
          );
          if (!same) {
            // This message id was already used for another booking or type: a duplicate message id.
            const other = existing[0];
            if (!other) throw new TransientError('delivery row not visible yet');
            opts.logger.warn(
              { message_id: item.messageId, booking_id: item.bookingId, other_booking_id: other.booking_id },
              'message id reused for another notification',
            );
            await deliveries.countDuplicate(tx, other.id);
            return { kind: 'duplicate', status: other.status };
          }
          if (same.status === 'sending' && same.lease_live) return { kind: 'busy', leaseUntil: same.lease_until };
          // 'failed' (to retry), 'dead' (replayed from the dead letters) or abandoned: try again.
          deliveryId = same.id;
          await deliveries.reclaim(tx, deliveryId, { ...fields, ...lease });
        }
        await item.onClaimed?.(tx);
        return { kind: 'claimed', deliveryId };
      });
    } catch (err) {
      if (isLockTimeout(err)) throw new TransientError('the same email is being claimed by another worker', { cause: err });
      throw err;
    }
  }

  /** Runs a short bookkeeping transaction after a send, retrying while the database is unreachable. */
  async function record(what: string, work: (tx: Queryable) => Promise<void>): Promise<void> {
    const deadline = Date.now() + opts.sendLeaseMs / 2;
    for (let attempt = 1; ; attempt++) {
      try {
        await opts.db.transaction(work);
        return;
      } catch (err) {
        if (!(err instanceof TransientError) || Date.now() > deadline) throw err;
        opts.logger.warn({ err, attempt }, `${what} not recorded yet; retrying`);
        await sleep(Math.min(2_000, 100 * 2 ** attempt));
      }
    }
  }

  /**
   * Claims, sends and records one email. Never throws for a mail failure. When another worker
   * holds a live lease on it, waits up to `waitMs` for that worker to finish, then throws a
   * TransientError (so the caller retries later).
   */
  async function deliverEmail(item: EmailItem, waitMs = 0): Promise<DeliveryOutcome> {
    const claimToken = randomUUID();
    const waitUntil = Date.now() + waitMs;
    let claimed: Claim;
    for (;;) {
      claimed = await claim(item, claimToken);
      if (claimed.kind !== 'busy') break;
      if (Date.now() >= waitUntil) throw new TransientError('the same email is being sent by another worker');
      const leaseLeft = claimed.leaseUntil ? claimed.leaseUntil.getTime() - Date.now() : 0;
      await sleep(Math.max(50, Math.min(1_000, leaseLeft, waitUntil - Date.now())));
    }
    if (claimed.kind === 'duplicate') return claimed;
    const { deliveryId } = claimed;

    let smtpMessageId: string;
    try {
      const result = await mailer.send({
        to: item.recipientEmail,
        subject: item.email.subject,
        text: item.email.text,
        html: item.email.html,
        attachments: item.email.attachments,
        messageId: `<${item.smtpMessageId}@${opts.messageIdDomain}>`,
        headers: item.headers,
      });
      smtpMessageId = result.messageId;
    } catch (err) {
      const error = toMailError(err);
      const permanent = error instanceof UnrecoverableError;
      await record('failed send', async (tx) => {
        await deliveries.markFailed(tx, deliveryId, claimToken, permanent ? 'dead' : 'failed', error.message);
        if (!permanent) await item.afterSend?.(tx);
      });
      return { kind: 'failed', error, permanent };
    }
    // The duplicate window: the server has the message; until this commits a crash resends it.
    await record('sent email', async (tx) => {
      await deliveries.markSent(tx, deliveryId, smtpMessageId);
      await item.afterSend?.(tx);
    });
    return { kind: 'sent', deliveryId, smtpMessageId };
  }

  /**
   * The email of a booking notification: at most one per (booking, type); a reschedule, which
   * can happen more than once, at most one per message (its id is derived from the event's
   * change and the booking by the producer).
   * `booking_cancelled` at most one per cancellation (its id is the key: a booking may be cancelled seat by seat).
   */
  async function deliver(input: DeliveryInput, waitMs = 0): Promise<DeliveryOutcome> {
    const cancellationId = input.notification.type === 'booking_cancelled' ? input.notification.booking.cancellation?.id : undefined;
    const n = input.notification;
    const b = n.booking;
    const perMessage = n.type === 'event_rescheduled';
    const email = templates.render(n);
    // The tickets of a confirmation: each QR code inline, and all of them in a PDF (docs/tickets.md).
    if (n.type === 'booking_confirmed') email.attachments = await ticketAttachments(b, templates.formatDate);
    return deliverEmail(
      {
        messageId: input.messageId,
        type: n.type,
        bookingId: perMessage ? null : (cancellationId ?? b.bookingId),
        recipientEmail: n.recipientEmail,
        label: b.eventName,
        email,
        smtpMessageId: perMessage ? `${n.type}.${input.messageId}` : `${n.type}.${cancellationId ?? b.bookingId}`,
        headers: { 'X-Notification-Type': n.type, 'X-Booking-Id': b.bookingId },
        onClaimed:
          n.type === 'booking_failed' ||
          n.type === 'event_cancelled' ||
          (n.type === 'booking_cancelled' && (b.cancellation?.remainingSeats.length ?? 0) === 0)
            ? (tx) => reminders.cancel(tx, b.bookingId)
            : perMessage
              ? (tx) => moveReminder(tx, n)
              : undefined,
        // A mailbox that refuses mail for good will refuse the reminder too: scheduled after a
        // send or a transient failure only.
        afterSend: (tx) => scheduleReminder(tx, n),
      },
      waitMs,
    );
  }

  /** An account email (users service): once per email id. */
  function deliverAccountEmail(input: { messageId: string; email: AccountEmailLike }, waitMs = 0): Promise<DeliveryOutcome> {
    const e = input.email;
    return deliverEmail(
      {
        messageId: input.messageId,
        type: e.type,
        bookingId: null,
        recipientEmail: e.recipient_email,
        label: accountEmailLabel(e),
        email: templates.renderAccountEmail(e),
        smtpMessageId: `${e.type}.${e.email_id}`,
        headers: { 'X-Notification-Type': e.type },
      },
      waitMs,
    );
  }

  /** The offer of a waiting-list entry (event service): once per email id. */
  function deliverWaitlistOffer(input: { messageId: string; offer: WaitlistOffer }, waitMs = 0): Promise<DeliveryOutcome> {
    const o = input.offer;
    return deliverEmail(
      {
        messageId: input.messageId,
        type: o.type,
        bookingId: null,
        recipientEmail: o.recipient_email,
        label: o.event_name,
        email: templates.renderWaitlistOffer(o),
        smtpMessageId: `${o.type}.${o.email_id}`,
        headers: { 'X-Notification-Type': o.type },
      },
      waitMs,
    );
  }

  return { deliver, deliverAccountEmail, deliverWaitlistOffer };
}

export type NotificationDelivery = ReturnType<typeof createNotificationDelivery>;
