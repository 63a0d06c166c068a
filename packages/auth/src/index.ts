export * from './jwt.ts';
export * from './hooks.ts';
export * from './revocation.ts';
export * from './organizations.ts';
export * from './webhook-signature.ts';
