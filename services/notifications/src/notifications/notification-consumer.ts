import type { IncomingMessage } from '@ticketing/bus';
import { accountEmails, waitlistOffers } from '@ticketing/contracts';
import type { Logger } from '@ticketing/http';
import type { DeadLettersRepository } from './dead-letters.repository.ts';
import type { DeliveriesRepository } from './deliveries.repository.ts';
import type { DeliveryOutcome, NotificationDelivery } from './deliver-notification.ts';
import { parseNotificationRequest, type Notification } from './notification-message.ts';
import type { NotificationStats } from './stats.ts';

export interface ConsumerOptions {
  delivery: NotificationDelivery;
  deliveries: DeliveriesRepository;
  deadLetters: DeadLettersRepository;
  stats: NotificationStats;
  logger: Logger;
  /** The topic of account emails (the others carry booking notifications). */
  accountEmailsTopic: string;
  /** The topic of waiting-list offers (event service). */
  waitlistOffersTopic?: string | undefined;
  /** How long a message waits for another worker that is sending the same email right now. */
  waitForOtherSenderMs: number;
}

/**
 * The handler of `notification-requests`: parse (a malformed message throws an
 * UnrecoverableError and is dead-lettered at once), deliver once, and throw the mail failure so
 * the bus retries a transient one with backoff and dead-letters a permanent one.
 */
export function createNotificationHandler(opts: ConsumerOptions) {
  const { stats, logger } = opts;
  return async function handleNotificationRequest(message: IncomingMessage): Promise<void> {
    if (message.attempt > 1) stats.retries++;
    const notification = parseNotificationRequest(message);
    const outcome = await opts.delivery.deliver({ messageId: message.messageId, notification }, opts.waitForOtherSenderMs);
    const log = {
      message_id: message.messageId,
      booking_id: notification.booking.bookingId,
      type: notification.type,
      attempt: message.attempt,
    };
    switch (outcome.kind) {
      case 'sent':
        stats.emails_sent++;
        stats.messages_processed++;
        logger.info({ ...log, smtp_message_id: outcome.smtpMessageId }, 'notification sent');
        return;
      case 'duplicate':
        stats.duplicates_skipped++;
        stats.messages_processed++;
        logger.info({ ...log, status: outcome.status }, 'duplicate notification skipped');
        return;
      case 'failed':
        logger.warn({ ...log, permanent: outcome.permanent, err: outcome.error.message }, 'notification not sent');
        throw outcome.error;
    }
  };
}

/**
 * The handler of a topic of single emails, each sent once per email id: decode (malformed:
 * dead-lettered at once), send, and throw a mail failure so the bus retries or dead-letters it.
 */
function createSingleEmailHandler(
  opts: ConsumerOptions,
  what: string,
  send: (message: IncomingMessage) => { emailId: string; type: string; outcome: Promise<DeliveryOutcome> },
) {
  const { stats, logger } = opts;
  return async function handleEmail(message: IncomingMessage): Promise<void> {
    if (message.attempt > 1) stats.retries++;
    const { emailId, type, outcome: sending } = send(message);
    const outcome = await sending;
    // The recipient's address is not logged: the email id finds it in the deliveries table.
    const log = { message_id: message.messageId, email_id: emailId, type, attempt: message.attempt };
    switch (outcome.kind) {
      case 'sent':
        stats.emails_sent++;
        stats.messages_processed++;
        logger.info({ ...log, smtp_message_id: outcome.smtpMessageId }, `${what} sent`);
        return;
      case 'duplicate':
        stats.duplicates_skipped++;
        stats.messages_processed++;
        logger.info({ ...log, status: outcome.status }, `duplicate ${what} skipped`);
        return;
      case 'failed':
        logger.warn({ ...log, permanent: outcome.permanent, err: outcome.error.message }, `${what} not sent`);
        throw outcome.error;
    }
  };
}

/** The handler of `account-emails` (users service). */
export function createAccountEmailHandler(opts: ConsumerOptions) {
  return createSingleEmailHandler(opts, 'account email', (message) => {
    const email = accountEmails.decode(message);
    return {
      emailId: email.email_id,
      type: email.type,
      outcome: opts.delivery.deliverAccountEmail({ messageId: message.messageId, email }, opts.waitForOtherSenderMs),
    };
  });
}

/** The handler of `waitlist-offers` (event service): the offer of a waiting-list entry. */
export function createWaitlistOfferHandler(opts: ConsumerOptions) {
  return createSingleEmailHandler(opts, 'waiting list offer', (message) => {
    const offer = waitlistOffers.decode(message);
    return {
      emailId: offer.email_id,
      type: offer.type,
      outcome: opts.delivery.deliverWaitlistOffer({ messageId: message.messageId, offer }, opts.waitForOtherSenderMs),
    };
  });
}

function tryParse(message: IncomingMessage): Notification | undefined {
  try {
    return parseNotificationRequest(message);
  } catch {
    return undefined;
  }
}

/**
 * Runs after the bus put a message on `<topic>.dlq`: records it in dead_letters and marks its
 * delivery dead. Never throws (a throw would leave the offset uncommitted and stall the
 * partition's commits); the topic copy stays the authoritative record if the database is down.
 */
export function createDeadLetterHandler(opts: ConsumerOptions) {
  const { stats, logger } = opts;
  return async function onDeadLetter(message: IncomingMessage, error: unknown): Promise<void> {
    stats.dead_lettered++;
    stats.messages_processed++;
    const err = error instanceof Error ? error : new Error(String(error));
    const n = message.topic === opts.accountEmailsTopic || message.topic === opts.waitlistOffersTopic ? undefined : tryParse(message);
    try {
      if (n) await opts.deliveries.markGivenUp({ messageId: message.messageId, bookingId: n.booking.bookingId, type: n.type }, err.message);
      else await opts.deliveries.markGivenUp({ messageId: message.messageId, bookingId: null, type: '' }, err.message);
      await opts.deadLetters.record({
        source: message.topic,
        messageId: message.messageId,
        bookingId: n?.booking.bookingId,
        type: n?.type,
        partition: message.partition,
        offset: message.offset,
        raw: message.raw,
        errorType: err.name,
        error: err.message,
      });
    } catch (recordErr) {
      logger.error({ message_id: message.messageId, err: recordErr }, 'dead letter not recorded in the database');
    }
  };
}
