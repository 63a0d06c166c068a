import { REVOCATION_CHANNEL, revocationKey, type RevocationChecker } from '@ticketing/auth';
import type { Cache } from '@ticketing/cache';
import { createPeriodicTask } from '@ticketing/tasks';
import type { RevocationsRepository } from './revocations.repository.ts';

export interface RevocationAnnouncerOptions {
  repository: RevocationsRepository;
  cache: Cache;
  /** This process's own checker, told at once. */
  checker?: RevocationChecker | undefined;
  /** jwt.ttlSeconds: after this long every token issued before a revocation has expired anyway. */
  tokenTtlSeconds: number;
  /** How often recent revocations are written to the cache again (heals a cache outage or restart). @defaultValue 30000 */
  resyncIntervalMs?: number | undefined;
  logger: { warn(obj: object, msg: string): void };
}

/**
 * Tells the other services of revocations, which the users database decides: after the commit,
 * the user's state goes to the shared cache (`auth:revocation:<user>`, kept as long as a token
 * issued before it can live) and a message on `auth:revocations` makes every process drop its
 * copy at once. A periodic pass writes every recent revocation again, so a cache that was down
 * or restarted (the in-memory cache of `npm start`) learns them within one interval.
 */
export function createRevocationAnnouncer(opts: RevocationAnnouncerOptions) {
  const { repository, cache, logger } = opts;
  // A token lives ttlSeconds (plus the verifiers' 30 s clock skew tolerance).
  const keepSeconds = opts.tokenTtlSeconds + 60;

  async function write(userId: string): Promise<void> {
    const state = await repository.stateOf(userId);
    await cache.set(revocationKey(userId), JSON.stringify(state), keepSeconds);
  }

  const resync = createPeriodicTask({
    intervalMs: opts.resyncIntervalMs ?? 30_000,
    async run() {
      const users = await repository.recentlyRevoked(keepSeconds);
      for (const userId of users) await write(userId);
      await repository.deleteExpired();
      return users.length;
    },
    onError: (err) => logger.warn({ err }, 'revocations not written to the cache; retrying'),
  });

  return {
    /** Call after the transaction that revoked tokens has committed. Never throws: the resync catches up. */
    async announce(userId: string): Promise<void> {
      opts.checker?.forget(userId);
      try {
        await write(userId);
        await cache.publish(REVOCATION_CHANNEL, userId);
      } catch (err) {
        logger.warn({ err, user_id: userId }, 'revocation not announced yet; the next resync writes it');
      }
    },
    /** Writes every recent revocation to the cache now (at start) and then periodically. */
    start: resync.start,
    runOnce: () => resync.runOnce(),
    stop: resync.stop,
  };
}

export type RevocationAnnouncer = ReturnType<typeof createRevocationAnnouncer>;
