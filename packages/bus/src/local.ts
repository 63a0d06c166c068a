import { EventEmitter } from 'node:events';
import type { Database } from '@ticketing/db';
import { createLimiter } from '@ticketing/tasks';
import { traceConsume, tracePublish } from '@ticketing/telemetry';
import { handleOrDeadLetter, receivedMessage } from './dead-letter.ts';
import { PartitionTracker } from './retry.ts';
import { toHeaders } from './kafka.ts';
import { type ConsumeOptions, type MessageBus, type Publisher, type Subscription } from './types.ts';

interface Row {
  id: string;
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

const POLL_MS = 250;
const BATCH = 200;

/**
 * A durable in-process message bus on a SQL database, for the embedded profile: messages are
 * rows, each consumer group keeps its offset per topic, so nothing published is lost when the
 * process restarts. Same delivery semantics as the Kafka adapter (at least once, in-order
 * commits, retries, dead letters).
 */
export async function createLocalBus(
  db: Database,
  opts: {
    logger?: { warn: (o: object, m: string) => void };
    /** Messages older than this that every group has consumed are deleted, like Kafka retention. @defaultValue 1 day */
    retentionMs?: number;
  } = {},
): Promise<MessageBus> {
  await db.query(`
    CREATE TABLE IF NOT EXISTS bus_messages (
      id bigserial PRIMARY KEY,
      topic text NOT NULL,
      key text NOT NULL,
      value text NOT NULL,
      headers jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX IF NOT EXISTS bus_messages_topic_id ON bus_messages (topic, id);
    CREATE TABLE IF NOT EXISTS bus_offsets (
      group_id text NOT NULL,
      topic text NOT NULL,
      last_id bigint NOT NULL,
      PRIMARY KEY (group_id, topic)
    );`);
  const wake = new EventEmitter();
  wake.setMaxListeners(0);
  const subscriptions = new Set<Subscription>();
  const retentionMs = opts.retentionMs ?? 86_400_000;
  const pruneTimer = setInterval(
    () => {
      db.query(
        `DELETE FROM bus_messages m
          WHERE m.created_at < now() - make_interval(secs => $1)
            AND NOT EXISTS (SELECT 1 FROM bus_offsets o WHERE o.topic = m.topic AND o.last_id < m.id)`,
        [retentionMs / 1000],
      ).catch((err: unknown) => opts.logger?.warn({ err }, 'local bus retention failed'));
    },
    Math.min(retentionMs, 600_000),
  );
  pruneTimer.unref();

  const publisher: Publisher = {
    async publish(messages) {
      if (messages.length === 0) return;
      await tracePublish('ticketing_local', messages, (traced) =>
        db.transaction(async (tx) => {
          for (const m of traced) {
            await tx.query('INSERT INTO bus_messages (topic, key, value, headers) VALUES ($1, $2, $3, $4)', [
              m.topic,
              m.key,
              JSON.stringify(m.value),
              JSON.stringify(toHeaders(m)),
            ]);
          }
        }),
      );
      wake.emit('published');
    },
    async close() {},
  };

  return {
    publisher: () => publisher,
    async ensureTopics() {},

    async readAll(topic) {
      const { rows } = await db.query<Row>('SELECT id, topic, key, value, headers FROM bus_messages WHERE topic = $1 ORDER BY id', [topic]);
      return rows.map((row) => ({
        topic: row.topic,
        key: row.key,
        raw: row.value,
        messageId: row.headers.message_id ?? `${row.topic}:${row.id}`,
        headers: row.headers,
        partition: 0,
        offset: String(row.id),
      }));
    },
    async ping() {
      await db.ping();
    },

    async consume(options: ConsumeOptions): Promise<Subscription> {
      const inFlight = createLimiter(options.concurrency ?? 8);
      let stopping = false;
      const stopped = new AbortController();
      const positions = new Map<string, bigint>();
      for (const topic of options.topics) {
        const { rows } = await db.query<{ last_id: string }>('SELECT last_id FROM bus_offsets WHERE group_id = $1 AND topic = $2', [
          options.groupId,
          topic,
        ]);
        positions.set(topic, BigInt(rows[0]?.last_id ?? 0));
      }
      const trackers = new Map(options.topics.map((t) => [t, new PartitionTracker()]));
      let signal: (() => void) | undefined;
      const onPublish = () => signal?.();
      wake.on('published', onPublish);

      const commit = (topic: string, id: bigint) => async () => {
        await db.query(
          `INSERT INTO bus_offsets (group_id, topic, last_id) VALUES ($1, $2, $3)
           ON CONFLICT (group_id, topic) DO UPDATE SET last_id = GREATEST(bus_offsets.last_id, EXCLUDED.last_id)`,
          [options.groupId, topic, id.toString()],
        );
      };

      const processRow = (row: Row) => {
        const message = receivedMessage(
          row.topic,
          row.key,
          row.value,
          row.headers.message_id ?? `${row.topic}:${row.id}`,
          row.headers,
          0,
          row.id,
        );
        return traceConsume('ticketing_local', message, options.groupId, () =>
          handleOrDeadLetter(message, options, publisher, () => stopping, opts.logger, stopped.signal),
        );
      };

      const loop = (async () => {
        while (!stopping) {
          let fetched = 0;
          for (const topic of options.topics) {
            const from = positions.get(topic)!;
            const room = inFlight.available;
            if (room <= 0) break;
            const { rows } = await db.query<Row>(
              'SELECT id, topic, key, value, headers FROM bus_messages WHERE topic = $1 AND id > $2 ORDER BY id LIMIT $3',
              [topic, from.toString(), Math.min(BATCH, room)],
            );
            fetched += rows.length;
            for (const row of rows) {
              const id = BigInt(row.id);
              positions.set(topic, id);
              const tracker = trackers.get(topic)!;
              tracker.add(id, commit(topic, id));
              inFlight.tryAcquire(); // room was counted above
              void processRow(row)
                .then(async () => {
                  await tracker.finish(id)?.();
                })
                .catch((err: unknown) => opts.logger?.warn({ err, topic }, 'message left uncommitted'))
                .finally(inFlight.release);
            }
          }
          if (inFlight.available === 0) {
            await inFlight.whenAvailable();
          } else if (fetched === 0) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, POLL_MS);
              signal = () => {
                clearTimeout(timer);
                resolve();
              };
            });
            signal = undefined;
          }
        }
      })().catch((err: unknown) => opts.logger?.warn({ err }, 'local bus consumer stopped'));

      const subscription: Subscription = {
        async close() {
          if (stopping) return;
          stopping = true;
          stopped.abort();
          signal?.();
          wake.off('published', onPublish);
          subscriptions.delete(subscription);
          await loop;
          await inFlight.whenIdle();
        },
      };
      subscriptions.add(subscription);
      return subscription;
    },

    async close() {
      clearInterval(pruneTimer);
      await Promise.allSettled([...subscriptions].map((s) => s.close()));
    },
  };
}
