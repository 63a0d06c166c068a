import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers, type Message } from '@platformatic/kafka';
import { createLimiter } from '@ticketing/tasks';
import { traceConsume, tracePublish } from '@ticketing/telemetry';
import { handleOrDeadLetter, receivedMessage } from './dead-letter.ts';
import { PartitionTracker } from './retry.ts';
import {
  type ConsumeOptions,
  type MessageBus,
  type OutgoingMessage,
  type PartitionLag,
  type Publisher,
  type StoredMessage,
  type Subscription,
} from './types.ts';

export interface KafkaBusOptions {
  /** `host:port` list, or one comma-separated string (as in KAFKA_BROKERS). */
  brokers: string | readonly string[];
  clientId: string;
  /** Consumer-group membership of this process's consumers. */
  consumer?: KafkaConsumerOptions;
  /** Durability and security of a production cluster: topic replication, acks, TLS, SASL. */
  cluster?: KafkaClusterOptions;
  logger?: {
    info: (obj: object, msg: string) => void;
    warn: (obj: object, msg: string) => void;
    error: (obj: object, msg: string) => void;
  };
}

export interface KafkaConsumerOptions {
  /**
   * Static membership (`group.instance.id`): stable across restarts, unique per process among
   * a group's consumers. A restarted consumer with the same id gets its partitions back at once
   * (no rebalance, no session timeout to wait for). Empty or absent: dynamic membership.
   */
  instanceId?: string | undefined;
  /** @defaultValue 6000 (the broker's default minimum) */
  sessionTimeoutMs?: number | undefined;
  /** @defaultValue 500 */
  heartbeatIntervalMs?: number | undefined;
  /** @defaultValue 10000 */
  rebalanceTimeoutMs?: number | undefined;
}

export interface KafkaClusterOptions {
  /** Replicas of each topic created by ensureTopics. @defaultValue 1 */
  replicationFactor?: number;
  /** `min.insync.replicas` of each topic created by ensureTopics; 0 keeps the broker's default. @defaultValue 0 */
  minInsyncReplicas?: number;
  /** `all` makes the producer idempotent; `leader` and `none` trade safety for latency. @defaultValue all */
  acks?: 'all' | 'leader' | 'none';
  tls?: { enabled: boolean; caFile: string; certFile: string; keyFile: string; rejectUnauthorized: boolean };
  sasl?: { mechanism: '' | 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512'; username: string; password: string };
}

const ACKS = { all: -1, leader: 1, none: 0 } as const;

/** The connection options TLS and SASL add to every client (producer, consumers, admin). */
function securityOptions(cluster: KafkaClusterOptions) {
  const tls = cluster.tls?.enabled
    ? {
        tls: {
          rejectUnauthorized: cluster.tls.rejectUnauthorized,
          ...(cluster.tls.caFile ? { ca: readFileSync(cluster.tls.caFile) } : {}),
          ...(cluster.tls.certFile ? { cert: readFileSync(cluster.tls.certFile) } : {}),
          ...(cluster.tls.keyFile ? { key: readFileSync(cluster.tls.keyFile) } : {}),
        },
      }
    : {};
  const sasl = cluster.sasl?.mechanism
    ? { sasl: { mechanism: cluster.sasl.mechanism, username: cluster.sasl.username, password: cluster.sasl.password } }
    : {};
  return { ...tls, ...sasl };
}

export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

export function toHeaders(m: OutgoingMessage): Record<string, string> {
  return {
    traceparent: newTraceparent(),
    ...m.headers,
    message_id: m.messageId ?? randomUUID(),
    'content-type': 'application/json',
  };
}

export function createKafkaBus(options: KafkaBusOptions): MessageBus {
  const log = options.logger;
  const cluster = options.cluster ?? {};
  const brokers = (typeof options.brokers === 'string' ? options.brokers.split(',') : [...options.brokers])
    .map((b) => b.trim())
    .filter(Boolean);
  const common = {
    clientId: options.clientId,
    bootstrapBrokers: brokers,
    connectTimeout: 5_000,
    retries: 3,
    retryDelay: 250,
    ...securityOptions(cluster),
  };
  const acks = cluster.acks ?? 'all';
  let producer: Producer<string, string, string, string> | undefined;
  const getProducer = () => {
    // Only acks=all can be idempotent (the library refuses the others with it).
    producer ??= new Producer({
      ...common,
      serializers: stringSerializers,
      idempotent: acks === 'all',
      acks: ACKS[acks],
      autocreateTopics: true,
    });
    return producer;
  };
  const topicConfigs =
    (cluster.minInsyncReplicas ?? 0) > 0 ? [{ name: 'min.insync.replicas', value: String(cluster.minInsyncReplicas) }] : [];
  const subscriptions = new Set<Subscription>();
  const membership = options.consumer ?? {};

  const publisher: Publisher = {
    async publish(messages) {
      if (messages.length === 0) return;
      await tracePublish('kafka', messages, async (traced) => {
        await getProducer().send({
          messages: traced.map((m) => ({
            topic: m.topic,
            key: m.key,
            value: JSON.stringify(m.value),
            headers: toHeaders(m),
          })),
        });
      });
    },
    async close() {},
  };

  return {
    publisher: () => publisher,

    async ensureTopics(topics, partitions = 3) {
      const admin = new Admin(common);
      try {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((t) => !existing.has(t));
        if (missing.length > 0) {
          try {
            await admin.createTopics({ topics: missing, partitions, replicas: cluster.replicationFactor ?? 1, configs: topicConfigs });
          } catch (err) {
            // Someone (another process starting beside this one, or auto-creation on first
            // produce) may have created a topic meanwhile: what matters is that they all exist.
            // The broker may say so (TOPIC_ALREADY_EXISTS) before its topic list shows it.
            if (!onlyAlreadyExists(err)) {
              for (let attempt = 0; ; attempt++) {
                const now = new Set(await admin.listTopics());
                if (missing.every((t) => now.has(t))) break;
                if (attempt >= 20) throw err;
                await new Promise((resolve) => setTimeout(resolve, 250));
              }
            }
          }
          // A new topic is usable once every partition has a leader; until then producers and
          // consumers are told "unknown topic".
          for (let attempt = 0; ; attempt++) {
            const ready = await admin
              .metadata({ topics: missing, forceUpdate: true })
              .then((m) =>
                missing.every(
                  (t) => (m.topics.get(t)?.partitions ?? []).length > 0 && m.topics.get(t)!.partitions.every((p) => p.leader >= 0),
                ),
              )
              .catch(() => false);
            if (ready) break;
            if (attempt >= 100) throw new Error(`topics not ready: ${missing.join(', ')}`);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      } finally {
        await admin.close();
      }
    },

    async readAll(topic, { timeoutMs = 30_000 } = {}) {
      const admin = new Admin(common);
      try {
        if (!(await admin.listTopics()).includes(topic)) return [];
      } finally {
        await admin.close();
      }
      // A throwaway group that never commits: reading leaves no trace on anyone's progress.
      const reader = new Consumer({ ...common, groupId: `reader-${randomUUID()}`, deserializers: stringDeserializers });
      const messages: StoredMessage[] = [];
      try {
        const ends = (await reader.listOffsets({ topics: [topic] })).get(topic) ?? [];
        const left = new Map<number, bigint>();
        ends.forEach((end, partition) => end > 0n && left.set(partition, end));
        if (left.size === 0) return [];
        const stream = await reader.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 200 });
        const timer = setTimeout(() => void stream.close().catch(() => undefined), timeoutMs);
        try {
          for await (const msg of stream as AsyncIterable<Message<string, string, string, string>>) {
            const headers: Record<string, string> = {};
            for (const [k, v] of msg.headers ?? new Map()) headers[String(k)] = String(v);
            messages.push({
              topic: msg.topic,
              key: msg.key ?? '',
              raw: msg.value ?? '',
              messageId: headers.message_id ?? `${msg.topic}:${msg.partition}:${msg.offset}`,
              headers,
              partition: msg.partition,
              offset: String(msg.offset),
            });
            if (msg.offset + 1n >= (left.get(msg.partition) ?? 0n)) left.delete(msg.partition);
            if (left.size === 0) break;
          }
        } finally {
          clearTimeout(timer);
          await stream.close().catch(() => undefined);
        }
        if (left.size > 0) throw new Error(`read ${messages.length} messages of ${topic}, then timed out after ${timeoutMs} ms`);
        return messages;
      } finally {
        await reader.close(true).catch(() => undefined);
      }
    },

    async ping() {
      const admin = new Admin({ ...common, retries: 0 });
      try {
        await admin.metadata({ topics: [] });
      } finally {
        await admin.close();
      }
    },

    async consume(opts: ConsumeOptions) {
      const inFlight = createLimiter(opts.concurrency ?? 8);
      let stopping = false;
      const stopped = new AbortController();
      let wake: (() => void) | undefined;

      const open = async () => {
        const consumer = new Consumer({
          ...common,
          retries: 10,
          groupId: opts.groupId,
          deserializers: stringDeserializers,
          ...(membership.instanceId ? { groupInstanceId: membership.instanceId } : {}),
          sessionTimeout: membership.sessionTimeoutMs ?? 6_000,
          heartbeatInterval: membership.heartbeatIntervalMs ?? 500,
          rebalanceTimeout: membership.rebalanceTimeoutMs ?? 10_000,
        });
        // The client emits 'error' when rejoining its group fails (e.g. the coordinator is still
        // loading after a broker restart); with no listener that would end the process.
        consumer.on('error', (err: Error) => log?.error({ err, group_id: opts.groupId }, 'kafka consumer group error'));
        try {
          const stream = await consumer.consume({
            topics: opts.topics,
            autocommit: false,
            mode: 'committed',
            fallbackMode: 'earliest',
            maxWaitTime: 100,
          });
          return { consumer, stream };
        } catch (err) {
          await consumer.close(true).catch(() => undefined);
          throw err;
        }
      };

      const processOne = async (msg: Message<string, string, string, string>) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of msg.headers ?? new Map()) headers[String(k)] = String(v);
        const message = receivedMessage(
          msg.topic,
          msg.key ?? '',
          msg.value ?? '',
          headers.message_id ?? `${msg.topic}:${msg.partition}:${msg.offset}`,
          headers,
          msg.partition,
          String(msg.offset),
        );
        await traceConsume('kafka', message, opts.groupId, () =>
          handleOrDeadLetter(message, opts, publisher, () => stopping, log, stopped.signal),
        );
      };

      // Offset commits run per partition in order, in the background: the handler's slot is free
      // once its message is handled. close() waits for them; a failed stream does not (its
      // commits cannot succeed any more, and its uncommitted messages are redelivered).
      const commits = new Set<Promise<void>>();

      /** Reads one stream until it ends or fails. Each stream has its own partition trackers. */
      const drain = async (stream: Awaited<ReturnType<typeof open>>['stream'], state: { dead: boolean }) => {
        const trackers = new Map<string, PartitionTracker>();
        const chains = new Map<string, Promise<void>>();
        for await (const msg of stream as AsyncIterable<Message<string, string, string, string>>) {
          if (stopping) break;
          const tpKey = `${msg.topic}:${msg.partition}`;
          let tracker = trackers.get(tpKey);
          if (!tracker) trackers.set(tpKey, (tracker = new PartitionTracker()));
          const t = tracker;
          t.add(msg.offset, async () => {
            if (!state.dead) await msg.commit();
          });
          await inFlight.acquire();
          if (stopping) {
            // Left uncommitted: the next consumer gets it.
            inFlight.release();
            break;
          }
          void processOne(msg)
            .then(() => {
              const commit = t.finish(msg.offset);
              if (!commit) return;
              const c = (chains.get(tpKey) ?? Promise.resolve())
                .then(commit)
                .catch((err: unknown) => log?.warn({ err }, 'offset commit failed'));
              chains.set(tpKey, c);
              commits.add(c);
              void c.finally(() => commits.delete(c));
            })
            .catch((err: unknown) => {
              // Only reached while stopping (or when the dead-letter publish fails): the offset is
              // not committed, so the message is redelivered to the next consumer.
              log?.error({ err, topic: msg.topic, offset: String(msg.offset) }, 'message left uncommitted');
            })
            .finally(inFlight.release);
        }
      };

      // The first stream's failure reaches the caller; later ones are reopened below.
      let current = { ...(await open()), state: { dead: false } };
      const pause = (ms: number) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });

      // A stream that fails for good (the broker away longer than the client's retries) is
      // closed and a new consumer joins again, with backoff, for as long as the subscription
      // lasts: a worker that stopped consuming while staying alive would strand every message.
      const loop = (async () => {
        for (;;) {
          try {
            await drain(current.stream, current.state);
          } catch (err) {
            if (!stopping) log?.error({ err, group_id: opts.groupId }, 'consumer stream failed; reopening it');
          }
          // The old stream's messages finish first; offsets it can no longer commit are redelivered.
          if (!stopping) current.state.dead = true;
          await inFlight.whenIdle();
          if (stopping) await Promise.allSettled([...commits]);
          await current.stream.close().catch(() => undefined);
          await current.consumer.close(true).catch(() => undefined);
          for (let attempt = 1; !stopping; attempt++) {
            // Short pauses: opening itself waits out the client's retries, and every second spent
            // here after the broker is back is a second without consuming.
            await pause(Math.min(2_000, 250 * 2 ** (attempt - 1)));
            if (stopping) break;
            try {
              const next = await open();
              if (stopping) {
                await next.stream.close().catch(() => undefined);
                await next.consumer.close(true).catch(() => undefined);
                break;
              }
              current = { ...next, state: { dead: false } };
              log?.info({ group_id: opts.groupId, attempt }, 'consumer stream reopened');
              break;
            } catch (err) {
              log?.warn({ err, group_id: opts.groupId, attempt }, 'consumer could not reopen yet');
            }
          }
          if (stopping) return;
        }
      })();

      const subscription: Subscription = {
        async lag() {
          const byTopic = await current.consumer.getLag({ topics: opts.topics });
          const out: PartitionLag[] = [];
          // Negative values mark partitions this process is not assigned.
          for (const [topic, partitions] of byTopic) {
            partitions.forEach((lag, partition) => {
              if (lag >= 0n) out.push({ topic, partition, lag: Number(lag) });
            });
          }
          return out;
        },
        async close() {
          if (stopping) return;
          stopping = true;
          stopped.abort();
          subscriptions.delete(subscription);
          wake?.();
          current.stream.pause();
          await inFlight.whenIdle();
          await Promise.allSettled([...commits]);
          await current.stream.close().catch(() => undefined);
          await loop;
        },
      };
      subscriptions.add(subscription);
      return subscription;
    },

    async close() {
      await Promise.allSettled([...subscriptions].map((s) => s.close()));
      if (producer) await producer.close().catch(() => undefined);
      producer = undefined;
    },
  };
}

/** True when every protocol error inside `err` (it nests them per topic) is TOPIC_ALREADY_EXISTS. */
function onlyAlreadyExists(err: unknown): boolean {
  const apiIds: unknown[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 6 || value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    const record = value as Record<string, unknown>;
    if ('apiId' in record) apiIds.push(record.apiId);
    for (const key of ['errors', 'cause']) {
      const inner = record[key];
      if (Array.isArray(inner)) for (const item of inner) visit(item, depth + 1);
      else visit(inner, depth + 1);
    }
  };
  visit(err, 0);
  return apiIds.length > 0 && apiIds.every((id) => id === 'TOPIC_ALREADY_EXISTS');
}
