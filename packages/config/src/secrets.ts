import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './load.ts';
import { messageOf } from '@ticketing/errors';

/** Where a distributed-mode process keeps generated secrets unless `SECRETS_FILE` says otherwise. */
export const DEFAULT_SECRETS_FILE = '.run/secrets.json';

export interface PersistedSecrets {
  jwtSecret: string;
  internalJwtSecret: string;
}

function parseSecrets(file: string, text: string): PersistedSecrets {
  let parsed: Partial<PersistedSecrets>;
  try {
    parsed = JSON.parse(text) as Partial<PersistedSecrets>;
  } catch (err) {
    throw new ConfigError(`cannot read the generated secrets in ${file}: ${messageOf(err)} (delete it to make new ones)`);
  }
  const ok = (v: unknown): v is string => typeof v === 'string' && v.length >= 32;
  if (!ok(parsed.jwtSecret) || !ok(parsed.internalJwtSecret)) {
    throw new ConfigError(`${file} does not hold jwtSecret and internalJwtSecret (delete it to make new ones)`);
  }
  return { jwtSecret: parsed.jwtSecret, internalJwtSecret: parsed.internalJwtSecret };
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The secrets kept in `file`, made (random, mode 0600) on first use. Processes starting together
 * agree on one: the file appears whole, by a hard link that only the first creator wins.
 */
export function loadOrCreateSecrets(file: string): { secrets: PersistedSecrets; created: boolean } {
  const existing = readIfExists(file);
  // A damaged file is reported (parseSecrets throws), never silently replaced.
  if (existing !== undefined) return { secrets: parseSecrets(file, existing), created: false };
  mkdirSync(path.dirname(file), { recursive: true });
  const secrets = { jwtSecret: randomBytes(48).toString('base64url'), internalJwtSecret: randomBytes(48).toString('base64url') };
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  try {
    linkSync(tmp, file);
    return { secrets, created: true };
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
    return { secrets: parseSecrets(file, readFileSync(file, 'utf8')), created: false };
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * The environment a service process starts with, its secrets filled in. Outside production, a
 * JWT_SECRET or INTERNAL_JWT_SECRET that is unset comes from `file`, generated on first start
 * and reused after, so that tokens survive restarts and every process sharing the file agrees,
 * and the repository's public development values are never used by a running service. An unset
 * TICKET_SIGNING_SECRET is derived from the JWT secret (stable the same way, no second file). In
 * production nothing is filled: the config refuses to start without real secrets.
 */
export function withPersistedSecrets(
  env: NodeJS.ProcessEnv,
  file: string = env.SECRETS_FILE || DEFAULT_SECRETS_FILE,
): { env: NodeJS.ProcessEnv; file: string | undefined; created: boolean } {
  if (env.NODE_ENV === 'production') return { env, file: undefined, created: false };
  const withTicketSecret = (filled: NodeJS.ProcessEnv): NodeJS.ProcessEnv =>
    filled.TICKET_SIGNING_SECRET
      ? filled
      : { ...filled, TICKET_SIGNING_SECRET: createHmac('sha256', filled.JWT_SECRET!).update('ticket-signing-secret').digest('base64url') };
  if (env.JWT_SECRET && env.INTERNAL_JWT_SECRET) return { env: withTicketSecret(env), file: undefined, created: false };
  const { secrets, created } = loadOrCreateSecrets(path.resolve(file));
  return {
    env: withTicketSecret({
      ...env,
      JWT_SECRET: env.JWT_SECRET || secrets.jwtSecret,
      INTERNAL_JWT_SECRET: env.INTERNAL_JWT_SECRET || secrets.internalJwtSecret,
    }),
    file: path.resolve(file),
    created,
  };
}
