import { UnrecoverableError } from '@ticketing/errors';
import { handleWithRetry, untilDone } from './retry.ts';
import { DEAD_LETTER_SUFFIX, type ConsumeOptions, type IncomingMessage, type Publisher } from './types.ts';

export type ReceivedMessage = Omit<IncomingMessage, 'attempt'>;

/**
 * A message as every bus hands it to its handler. `json()` throws UnrecoverableError on a value
 * that is not JSON, so such a message is dead-lettered at once instead of retried.
 */
export function receivedMessage(
  topic: string,
  key: string,
  raw: string,
  messageId: string,
  headers: Record<string, string>,
  partition: number,
  offset: string,
): ReceivedMessage {
  return {
    topic,
    key,
    raw,
    json<T>() {
      try {
        return JSON.parse(raw) as T;
      } catch {
        throw new UnrecoverableError('message value is not JSON');
      }
    },
    messageId,
    headers,
    partition,
    offset,
  };
}

/**
 * Handles one message the same way on every bus: the handler with retries and backoff
 * (handleWithRetry), and when it gives up, the dead-letter step: a copy on `<topic>.dlq`
 * (value `{raw, error}`, headers saying where it came from and why), then the consumer's
 * onDeadLetter hook. Both are retried until they succeed or the consumer stops, since giving up
 * on them would leave a gap that blocks every later commit of the partition. Resolves once the
 * message may be committed; rejects (leaving it uncommitted) only while stopping. `stopped`
 * aborts when the consumer stops: it cuts backoffs short and reaches the handler as
 * `message.stopping`.
 */
export async function handleOrDeadLetter(
  message: ReceivedMessage,
  options: ConsumeOptions,
  publisher: Publisher,
  isStopping: () => boolean,
  logger?: { warn: (obj: object, msg: string) => void },
  stopped?: AbortSignal,
): Promise<void> {
  const outcome = await handleWithRetry(message, options, isStopping, stopped);
  if (outcome.kind === 'done') return;
  // Whatever was thrown: an Error keeps its stack for onDeadLetter and the log.
  const error = outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error));
  const reason = error.message;
  await untilDone(
    () =>
      publisher.publish([
        {
          topic: message.topic + DEAD_LETTER_SUFFIX,
          key: message.key,
          value: { raw: message.raw, error: reason },
          messageId: message.messageId,
          headers: {
            ...message.headers,
            'dlq-original-topic': message.topic,
            'dlq-partition': String(message.partition),
            'dlq-offset': message.offset,
            'dlq-error': reason.slice(0, 500),
            'dlq-error-type': error.name,
          },
        },
      ]),
    isStopping,
    undefined,
    undefined,
    stopped,
  );
  logger?.warn({ topic: message.topic, offset: message.offset, message_id: message.messageId, err: error }, 'message dead-lettered');
  await untilDone(
    async () => options.onDeadLetter?.({ ...message, attempt: options.maxAttempts ?? 5 }, error),
    isStopping,
    undefined,
    undefined,
    stopped,
  );
}
