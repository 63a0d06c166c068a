import type { Publisher } from '@ticketing/bus';
import type { Logger } from '@ticketing/http';
import type { OutboxRepository } from './outbox.repository.ts';
import type { OutboxSignal } from './outbox-signal.ts';

export interface OutboxRelayOptions {
  outbox: OutboxRepository;
  publisher: Publisher;
  signal: OutboxSignal;
  logger: Logger;
  /** Topics this relay publishes (rows of other topics are left to other relays). */
  topics: readonly string[];
  /** @defaultValue 250 */
  intervalMs: number;
  /** @defaultValue 500 */
  batchSize: number;
  /** @defaultValue 5000 */
  maxBackoffMs: number;
  /** @defaultValue 3600 */
  retentionSeconds: number;
  /** A publish that takes longer is abandoned (its claim released, retried). @defaultValue 15000 */
  publishTimeoutMs?: number;
  /**
   * After a wake-up, how long to wait for more commits before claiming, so that under load one
   * batch carries many messages instead of one round trip each. @defaultValue 5
   */
  coalesceMs?: number;
}

export interface OutboxRelay {
  /** Publishes one batch now; resolves with the number of messages published. */
  runOnce(): Promise<number>;
  close(): Promise<void>;
}

const CLEANUP_EVERY_MS = 60_000;

/**
 * Publishes outbox rows to Kafka: claim a batch (FOR UPDATE SKIP LOCKED, with a lease), publish
 * it, mark it published. No transaction or connection is held while Kafka is called. A crash
 * between publish and mark publishes the batch again once the lease passes (consumers dedupe by
 * message_id = row id). Woken by the in-process signal after each commit, polls on an
 * interval, and backs off exponentially while Kafka is down.
 */
export function startOutboxRelayLoop(opts: OutboxRelayOptions): OutboxRelay {
  const { outbox, publisher, logger } = opts;
  const publishTimeoutMs = opts.publishTimeoutMs ?? 15_000;
  let stopped = false;
  let pending = false;
  let wakeUp: (() => void) | undefined;
  let lastCleanup = Date.now();

  const wake = () => {
    pending = true;
    wakeUp?.();
  };
  const unsubscribe = opts.signal.onNotify(wake);

  /** Waits `ms`; a commit signal ends the wait early unless we are backing off (only close() does). */
  const pause = (ms: number, wakeable: boolean) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = wakeable ? done : () => (stopped ? done() : undefined);
    });

  async function runOnce(): Promise<number> {
    const rows = await outbox.claimBatch(opts.topics, opts.batchSize, publishTimeoutMs * 2);
    if (rows.length === 0) return 0;
    const ids = rows.map((r) => r.id);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`publish timed out after ${publishTimeoutMs} ms`)), publishTimeoutMs);
    });
    try {
      await Promise.race([
        publisher.publish(rows.map((r) => ({ topic: r.topic, key: r.key, value: r.value, messageId: r.id, headers: r.headers }))),
        timeout,
      ]);
    } catch (err) {
      await outbox.releaseClaim(ids).catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
    await outbox.markPublished(ids);
    return rows.length;
  }

  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      pending = false;
      let published = 0;
      try {
        published = await runOnce();
        if (failures > 0) logger.info({ after_failures: failures }, 'outbox relay recovered');
        failures = 0;
      } catch (err) {
        failures++;
        // Logged on the first failure and then rarely, so a long Kafka outage does not flood the log.
        if (failures === 1 || failures % 20 === 0) logger.warn({ err, failures }, 'outbox publish failed; backing off');
      }
      if (stopped) break;
      if (failures > 0) {
        await pause(Math.min(opts.maxBackoffMs, opts.intervalMs * 2 ** Math.min(failures - 1, 16)), false);
        continue;
      }
      if (Date.now() - lastCleanup > CLEANUP_EVERY_MS) {
        lastCleanup = Date.now();
        await outbox.deletePublishedBefore(opts.retentionSeconds).catch((err: unknown) => logger.warn({ err }, 'outbox cleanup failed'));
      }
      if (published === opts.batchSize) continue;
      if (!pending) await pause(opts.intervalMs, true);
      if (!stopped && (opts.coalesceMs ?? 5) > 0) await pause(opts.coalesceMs ?? 5, false);
    }
  })();

  return {
    runOnce,
    async close() {
      stopped = true;
      unsubscribe();
      wakeUp?.();
      await loop;
    },
  };
}
