import { randomUUID } from 'node:crypto';
import { DEAD_LETTER_SUFFIX, type OutgoingMessage, type StoredMessage } from './types.ts';

/** A message read back from `<topic>.dlq`, with what the consumer recorded when it gave up. */
export interface DeadLetter {
  /** The `message_id` of the message that failed (the dead letter keeps it). */
  id: string;
  /** Where the dead letter is stored (`<topic>.dlq`), and its place there. */
  topic: string;
  partition: number;
  offset: string;
  /** The topic the message came from, and where a replay sends it. */
  originalTopic: string;
  key: string;
  /** The original value, as text. */
  raw: string;
  error: string;
  errorType: string;
  /** The original message's headers (the `dlq-*` ones removed). */
  headers: Record<string, string>;
}

/** Reads a stored dead letter (written by the bus's dead-letter step: value `{raw, error}`, `dlq-*` headers). */
export function toDeadLetter(m: StoredMessage): DeadLetter {
  let raw = m.raw;
  let error = m.headers['dlq-error'] ?? '';
  try {
    const value = JSON.parse(m.raw) as { raw?: unknown; error?: unknown };
    if (typeof value.raw === 'string') raw = value.raw;
    if (!error && typeof value.error === 'string') error = value.error;
  } catch {
    // Not written by the dead-letter step: the value is the original message.
  }
  const headers = Object.fromEntries(Object.entries(m.headers).filter(([k]) => !k.startsWith('dlq-')));
  return {
    id: m.messageId,
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    originalTopic:
      m.headers['dlq-original-topic'] ?? (m.topic.endsWith(DEAD_LETTER_SUFFIX) ? m.topic.slice(0, -DEAD_LETTER_SUFFIX.length) : m.topic),
    key: m.key,
    raw,
    error,
    errorType: m.headers['dlq-error-type'] ?? '',
    headers,
  };
}

/**
 * The message that replays a dead letter: to its original topic, with its original key, value
 * and headers (its trace included), and a NEW message id, so consumers that dedupe by message
 * id treat it as new; they dedupe by business key (booking id, notification type) anyway.
 * `dlq-replay-of` names the message it replays. Throws when the value is not JSON (a malformed
 * message would only be dead-lettered again).
 */
export function replayOf(letter: DeadLetter): OutgoingMessage {
  let value: unknown;
  try {
    value = JSON.parse(letter.raw);
  } catch {
    throw new Error(`dead letter ${letter.id} is not JSON; replaying it would only dead-letter it again`);
  }
  const headers: Record<string, string> = { ...letter.headers, 'dlq-replay-of': letter.id };
  delete headers.message_id;
  delete headers['content-type'];
  return { topic: letter.originalTopic, key: letter.key, value, messageId: randomUUID(), headers };
}
