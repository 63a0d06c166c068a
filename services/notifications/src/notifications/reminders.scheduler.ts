import type { Database, Queryable } from '@ticketing/db';
import type { Logger } from '@ticketing/http';
import { createDueLoop } from '@ticketing/tasks';
import type { DeadLettersRepository } from './dead-letters.repository.ts';
import type { NotificationDelivery } from './deliver-notification.ts';
import { fromValue } from './notification-message.ts';
import type { ReminderRow, RemindersRepository } from './reminders.repository.ts';
import type { Clock, NotificationStats } from './stats.ts';

export interface ReminderSchedulerOptions {
  db: Database;
  reminders: RemindersRepository;
  delivery: NotificationDelivery;
  deadLetters: DeadLettersRepository;
  clock: Clock;
  stats: NotificationStats;
  logger: Logger;
  pollIntervalMs: number;
  concurrency: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a claimed reminder stays away from other schedulers while it is sent. */
  leaseMs: number;
}

export const REMINDERS_SOURCE = 'reminders';

/**
 * Sends due reminders with no transaction open during SMTP. Each one is claimed in one statement
 * that moves its next attempt a lease ahead (SKIP LOCKED, so several processes share the work),
 * then delivered like any notification (claim, send, mark), then finished. A scheduler that dies
 * mid-send leaves it due again when the lease passes, and the delivery row decides whether the
 * email already went out; a reminder once finished is never picked again. "Now" comes from the
 * injected clock.
 */
export function createReminderScheduler(opts: ReminderSchedulerOptions) {
  const { db, reminders, clock, stats, logger } = opts;
  const backoff = (attempt: number) => Math.min(opts.retryMaxMs, opts.retryBaseMs * 2 ** (attempt - 1));

  async function giveUp(tx: Queryable, r: ReminderRow, errorType: string, error: string, now: Date) {
    await reminders.finish(tx, r.booking_id, 'dead', error, now);
    await opts.deadLetters.record(
      {
        source: REMINDERS_SOURCE,
        messageId: `reminder:${r.booking_id}`,
        bookingId: r.booking_id,
        type: 'event_reminder',
        raw: JSON.stringify(r.payload),
        errorType,
        error,
      },
      tx,
    );
    stats.dead_lettered++;
    logger.warn({ booking_id: r.booking_id, err: error }, 'reminder given up');
  }

  /** Puts back a reminder whose sending failed with an error, so it cannot block the others. */
  async function postpone(r: ReminderRow, err: unknown): Promise<void> {
    const now = clock.now();
    const attempts = r.attempts + 1;
    const e = err instanceof Error ? err : new Error(String(err));
    await db.transaction(async (tx) => {
      if (attempts >= opts.maxAttempts) await giveUp(tx, r, e.name, e.message, now);
      else await reminders.retryLater(tx, r.booking_id, new Date(now.getTime() + backoff(attempts)), e.message);
    });
    logger.warn({ booking_id: r.booking_id, attempt: attempts, err: e.message }, 'reminder failed; postponed');
  }

  /** Handles the next due reminder; false when none is due. */
  async function processNext(): Promise<boolean> {
    // A failed claim (database unreachable) ends this pass.
    const r = await reminders.claimDue(db, clock.now(), opts.leaseMs);
    if (!r) return false;
    try {
      await processOne(r);
    } catch (err) {
      await postpone(r, err);
    }
    return true;
  }

  /** One claimed reminder. */
  async function processOne(r: ReminderRow): Promise<void> {
    const now = clock.now();
    if (r.event_date.getTime() <= now.getTime()) {
      await reminders.finish(db, r.booking_id, 'skipped', 'event already started', now);
      return;
    }
    let notification;
    try {
      notification = fromValue({ type: 'event_reminder', recipient_email: r.recipient_email, booking_data: r.payload });
    } catch (err) {
      const problem = err instanceof Error ? err : new Error(String(err));
      await db.transaction((tx) => giveUp(tx, r, problem.name, problem.message, now));
      return;
    }
    const outcome = await opts.delivery.deliver({ messageId: `reminder:${r.booking_id}`, notification });
    switch (outcome.kind) {
      case 'sent':
        await reminders.finish(db, r.booking_id, 'sent', null, now);
        stats.emails_sent++;
        stats.reminders_sent++;
        logger.info({ booking_id: r.booking_id }, 'reminder sent');
        return;
      case 'duplicate':
        // The booking's reminder email already went out (e.g. from an event_reminder message).
        await reminders.finish(db, r.booking_id, 'sent', 'already sent', now);
        stats.duplicates_skipped++;
        return;
      case 'failed': {
        const attempts = r.attempts + 1;
        if (outcome.permanent || attempts >= opts.maxAttempts) {
          await db.transaction((tx) => giveUp(tx, r, outcome.error.name, outcome.error.message, now));
        } else {
          await reminders.retryLater(db, r.booking_id, new Date(now.getTime() + backoff(attempts)), outcome.error.message);
          logger.warn({ booking_id: r.booking_id, attempt: attempts, err: outcome.error.message }, 'reminder not sent; will retry');
        }
        return;
      }
    }
  }

  // Every reminder due now (by the clock), `concurrency` at a time; a pass resolves with how many were handled.
  const task = createDueLoop({
    intervalMs: opts.pollIntervalMs,
    concurrency: opts.concurrency,
    next: processNext,
    onError: (err) => logger.error({ err }, 'reminder scheduler pass failed'),
  });

  return {
    /** Sends the reminders due now, after the pass in flight if any. */
    runDue: (): Promise<number> => task.runOnce(),
    /** Polls every `pollIntervalMs` (the first pass at once). */
    start: task.start,
    /** Stops polling and waits for the reminders being sent, if any. */
    stop: task.stop,
  };
}

export type ReminderScheduler = ReturnType<typeof createReminderScheduler>;
