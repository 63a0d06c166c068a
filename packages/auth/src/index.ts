export * from './jwt.ts';
export * from './hooks.ts';
