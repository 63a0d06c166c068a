export * from './periodic-task.ts';
