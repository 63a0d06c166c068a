export * from './limiter.ts';
export * from './periodic-task.ts';
