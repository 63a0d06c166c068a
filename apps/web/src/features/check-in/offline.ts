// What a gate does while the network is down (docs/checkin.md#offline-gates): it verifies a
// ticket code's Ed25519 signature in the browser with the platform's public keys, remembers the
// tickets it let in, and records each scan to upload later (POST .../check-ins/batch). The
// code's layout and the WebCrypto check are packages/tickets/src/code-format.ts's, the same
// module the services' node:crypto verifier reads codes with.
import { createWebCryptoTicketVerifier } from '@ticketing/tickets/format';

export interface PublicKey {
  kid: string;
  /** base64url of the raw 32-byte Ed25519 key. */
  public_key: string;
}

/** A verifier over the keys the gate fetched while online (GET /api/tickets/keys). */
export const createOfflineVerifier = (keys: readonly PublicKey[]) =>
  createWebCryptoTicketVerifier(keys.map((k) => ({ kid: k.kid, publicKey: k.public_key })));

/** A scan this gate let in while offline, kept until an upload is answered. */
export interface PendingScan {
  scan_id: string;
  code: string;
  scanned_at: string;
  gate: string;
}

function readJson<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

const KEYS_KEY = 'ticketing.checkin.keys';

/** The public keys fetched while online: all a gate needs to verify codes offline. */
export const ticketKeys = {
  load: (): PublicKey[] => readJson<PublicKey[]>(KEYS_KEY, []),
  save: (keys: PublicKey[]): void => localStorage.setItem(KEYS_KEY, JSON.stringify(keys)),
};

/**
 * One event's offline state in this browser: the scans waiting for upload, the tickets this
 * device let in (online or offline), so that a code shown twice is refused while offline too,
 * and the uploaded scans the server refused (`Refused`: the answer as the page keeps it), until
 * the staff discard them.
 */
export function offlineStore<Refused extends { scan_id: string }>(eventId: string) {
  const pendingKey = `ticketing.checkin.pending.${eventId}`;
  const admittedKey = `ticketing.checkin.admitted.${eventId}`;
  const refusedKey = `ticketing.checkin.refused.${eventId}`;
  return {
    pending: (): PendingScan[] => readJson<PendingScan[]>(pendingKey, []),
    addPending(scan: PendingScan): void {
      localStorage.setItem(pendingKey, JSON.stringify([...this.pending(), scan]));
    },
    /** Forgets the scans an upload was answered for. */
    removePending(scanIds: readonly string[]): void {
      const done = new Set(scanIds);
      localStorage.setItem(pendingKey, JSON.stringify(this.pending().filter((s) => !done.has(s.scan_id))));
    },
    /** When and where this device let the ticket in, if it did. */
    admitted: (ticketId: string): { gate: string; at: string } | undefined =>
      readJson<Record<string, { gate: string; at: string }>>(admittedKey, {})[ticketId],
    remember(ticketId: string, gate: string, at: string): void {
      const all = readJson<Record<string, { gate: string; at: string }>>(admittedKey, {});
      all[ticketId] = { gate, at };
      localStorage.setItem(admittedKey, JSON.stringify(all));
    },
    refused: (): Refused[] => readJson<Refused[]>(refusedKey, []),
    /** Keeps refused answers; a re-uploaded scan's answer replaces the one kept for it. */
    addRefused(scans: readonly Refused[]): void {
      if (scans.length === 0) return;
      const fresh = new Set(scans.map((s) => s.scan_id));
      localStorage.setItem(refusedKey, JSON.stringify([...this.refused().filter((s) => !fresh.has(s.scan_id)), ...scans]));
    },
    /** Forgets refused scans the staff have dealt with (the server's scan log keeps them). */
    discardRefused(scanIds: readonly string[]): void {
      const gone = new Set(scanIds);
      localStorage.setItem(refusedKey, JSON.stringify(this.refused().filter((s) => !gone.has(s.scan_id))));
    },
  };
}
