/** Counters of the consuming process, reported by GET /health and /metrics. */
export interface NotificationStats {
  consumer: 'not_started' | 'running' | 'stopped';
  /** Messages that reached a final outcome: sent, skipped as a duplicate, or dead-lettered. */
  messages_processed: number;
  /** Emails accepted by the mail server (reminders included). */
  emails_sent: number;
  /** Handler attempts after the first one, for messages that failed and were tried again. */
  retries: number;
  /** Messages sent to the dead-letter topic, and reminders given up. */
  dead_lettered: number;
  /** Messages (or reminders) dropped because their email had already been sent. */
  duplicates_skipped: number;
  reminders_sent: number;
}

export function createStats(): NotificationStats {
  return {
    consumer: 'not_started',
    messages_processed: 0,
    emails_sent: 0,
    retries: 0,
    dead_lettered: 0,
    duplicates_skipped: 0,
    reminders_sent: 0,
  };
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
