export interface OutgoingMessage {
  topic: string;
  /** Partition key (e.g. booking id): messages with one key stay in order. */
  key: string;
  value: unknown;
  /** A unique id consumers use to drop duplicates; generated when absent. */
  messageId?: string;
  headers?: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  key: string;
  /** The raw value as text; `json()` parses it (and throws UnrecoverableError when it is not JSON). */
  raw: string;
  json<T = unknown>(): T;
  messageId: string;
  headers: Record<string, string>;
  partition: number;
  offset: string;
  /** How many times this process has tried this message (1 on first delivery). */
  attempt: number;
  /**
   * Aborted once the consumer stops. A long handler may give up at a safe point and throw: the
   * message stays uncommitted and goes to the partition's next consumer (a drain then waits for
   * the step in progress, not for the whole of the work).
   */
  stopping?: AbortSignal;
}

export interface Publisher {
  publish(messages: readonly OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumeOptions {
  groupId: string;
  topics: string[];
  /** Messages handled at once (across partitions); one partition's offsets still commit in order. @defaultValue 8 */
  concurrency?: number;
  /** Attempts for a failing message before it is dead-lettered. @defaultValue 5 */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt. @defaultValue 200 */
  retryBaseMs?: number;
  /** @defaultValue 10000 */
  retryMaxMs?: number;
  handler: (message: IncomingMessage) => Promise<void>;
  /** Called when a message is dead-lettered (after its copy is on `<topic>.dlq`). */
  onDeadLetter?: (message: IncomingMessage, error: unknown) => void | Promise<void>;
}

export interface Subscription {
  /** Stops fetching, waits for messages in flight, commits their offsets, and closes. */
  close(): Promise<void>;
  /**
   * Messages not yet committed on each partition this process consumes (newest offset minus
   * committed offset); a group's lag is the sum over its processes. Absent on buses without
   * partitions.
   */
  lag?(): Promise<PartitionLag[]>;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

/** A message as it is stored on a topic (read back by operator tools, e.g. the dead-letter tool). */
export type StoredMessage = Omit<IncomingMessage, 'attempt' | 'json'>;

export interface MessageBus {
  publisher(): Publisher;
  /**
   * Every message still stored on `topic`, oldest first per partition, without joining any
   * consumer group's progress (nothing is committed). For operator tools, not for consuming.
   */
  readAll(topic: string, opts?: { timeoutMs?: number }): Promise<StoredMessage[]>;
  consume(options: ConsumeOptions): Promise<Subscription>;
  /** Creates topics that do not exist yet. */
  ensureTopics(topics: readonly string[], partitions?: number): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const DEAD_LETTER_SUFFIX = '.dlq';
