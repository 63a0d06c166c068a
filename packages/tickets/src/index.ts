export * from './code-format.ts';
export * from './codes.ts';
export * from './keys.ts';
