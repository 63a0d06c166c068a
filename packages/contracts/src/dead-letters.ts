import { Type, type Static } from '@sinclair/typebox';
import { compile } from './validate.ts';

/**
 * A dead letter on `<topic>.dlq` is the original value, unchanged, with the original headers
 * plus these three (docs/architecture.md, "Messaging semantics"). The original value keeps its
 * own contract (and version header), so a replay decodes it like the first delivery.
 */
export const DeadLetterHeaders = Type.Object({
  message_id: Type.String({ minLength: 1 }),
  'dlq-original-topic': Type.String({ minLength: 1 }),
  /** The error's message (truncated). */
  'dlq-error': Type.String(),
  /** The error's name: `MalformedMessageError`, `TransientError`, ... */
  'dlq-error-type': Type.String({ minLength: 1 }),
  /** Where the original was (Kafka only). */
  'dlq-partition': Type.Optional(Type.String({ pattern: '^\\d+$' })),
  'dlq-offset': Type.Optional(Type.String({ pattern: '^\\d+$' })),
});
export type DeadLetterHeaders = Static<typeof DeadLetterHeaders>;

export const deadLetterHeaders = compile(DeadLetterHeaders);
