import type { Database } from '@ticketing/db';

/**
 * Counts the queries and transactions in flight, so that shutdown can let requests that are
 * still running (their client may have gone) finish before the pool closes.
 */
export function trackDatabase(db: Database): { db: Database; drain: (timeoutMs: number) => Promise<void> } {
  let busy = 0;
  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    busy++;
    try {
      return await work();
    } finally {
      busy--;
    }
  };
  return {
    db: {
      schema: db.schema,
      query: (text, params) => track(() => db.query(text, params)),
      transaction: (fn) => track(() => db.transaction(fn)),
      ping: () => db.ping(),
      close: () => db.close(),
    },
    /** Resolves once nothing has been in flight for a moment, or after `timeoutMs`. */
    async drain(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let quietSince = busy === 0 ? Date.now() : 0;
      while (Date.now() < deadline) {
        if (busy > 0) quietSince = 0;
        else if (quietSince === 0) quietSince = Date.now();
        else if (Date.now() - quietSince >= 50) return;
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}
