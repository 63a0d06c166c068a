export * from './codes.ts';
export * from './keys.ts';
