export * from './load.ts';
export * from './sections.ts';
export * from './secrets.ts';
