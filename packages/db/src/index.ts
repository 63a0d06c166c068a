export * from './types.ts';
export * from './postgres.ts';
export * from './migrate.ts';
export * from './group-commit.ts';
export * from './audit-log.ts';

/** True when `err` is a PostgreSQL unique violation (optionally on a named constraint). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string } | null;
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
export * from './pglite.ts';
