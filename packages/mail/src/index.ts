export * from './types.ts';
export * from './errors.ts';
export * from './smtp.ts';
export * from './file.ts';
