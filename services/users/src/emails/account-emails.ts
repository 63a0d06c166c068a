import { randomUUID } from 'node:crypto';
import { createOutboxRepository, type OutboxSignal } from '@ticketing/bus';
import { accountEmails, type AccountEmail } from '@ticketing/contracts';
import type { Queryable } from '@ticketing/db';

/** An account email as its producer states it; the id is given here. */
export type AccountEmailInput = AccountEmail extends infer E ? (E extends AccountEmail ? Omit<E, 'email_id'> : never) : never;

export interface AccountEmailsOptions {
  db: Queryable;
  /** The topic of the `account-emails` messages (config kafka.accountEmailsTopic). */
  topic: string;
  /** Wakes this process's relay once the transaction has committed. */
  signal: OutboxSignal;
}

/**
 * Emails of the users service (verification, password reset, password changed, organization
 * invitations): a row in the service's outbox, written in the transaction of the change it
 * announces; the relay publishes it to `account-emails` and the notification service sends it
 * (templates, retries and dead letters there).
 */
export function createAccountEmails(opts: AccountEmailsOptions) {
  const outbox = createOutboxRepository(opts.db);
  return {
    /**
     * Queues one email inside `tx` (the transaction of the change it announces) and returns its
     * id. Call `committed()` after the transaction commits, so the relay sends it at once instead
     * of at its next poll.
     */
    async enqueue(tx: Queryable, email: AccountEmailInput): Promise<string> {
      const id = randomUUID();
      const value = { ...email, email_id: id, recipient_email: email.recipient_email.toLowerCase() } as AccountEmail;
      const message = accountEmails.message({ topic: opts.topic, key: value.recipient_email, value, messageId: id });
      await outbox.insert(tx, { id, topic: message.topic, key: message.key, value: message.value, headers: message.headers });
      return id;
    },

    /** Wakes the relay of this process (other processes find the row at their next poll). */
    committed(): void {
      opts.signal.notify();
    },
  };
}

export type AccountEmails = ReturnType<typeof createAccountEmails>;
