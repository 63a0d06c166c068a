export * from './types.ts';
export * from './kafka.ts';
export { handleWithRetry, PartitionTracker } from './retry.ts';
export { createLocalBus } from './local.ts';
