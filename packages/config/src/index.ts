export * from './load.ts';
export * from './sections.ts';
