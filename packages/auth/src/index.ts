export * from './jwt.ts';
export * from './hooks.ts';
export * from './revocation.ts';
