export * from './app.ts';
export * from './errors.ts';
export * from './health.ts';
export * from './lifecycle.ts';
export * from './logger.ts';
export * from './schemas.ts';
export * from './sse.ts';
export * from './validation.ts';
