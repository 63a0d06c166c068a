export * from './types.ts';
export * from './kafka.ts';
export { handleWithRetry, PartitionTracker, untilDone } from './retry.ts';
export { handleOrDeadLetter, receivedMessage, type ReceivedMessage } from './dead-letter.ts';
export { createLocalBus } from './local.ts';
export * from './outbox.ts';
export * from './dead-letters.ts';
