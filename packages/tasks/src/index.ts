export * from './limiter.ts';
export * from './periodic-task.ts';
export * from './due-loop.ts';
