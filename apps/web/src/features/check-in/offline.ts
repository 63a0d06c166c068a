// What a gate does while the network is down (docs/checkin.md#offline-gates): it verifies a
// ticket code's Ed25519 signature in the browser with the platform's public keys, remembers the
// tickets it let in, and records each scan to upload later (POST .../check-ins/batch). The
// code's layout is packages/tickets/src/codes.ts's; test/check-in-offline.unit.test.ts signs
// with that package and verifies here, so the two cannot drift apart.

export interface PublicKey {
  kid: string;
  /** base64url of the raw 32-byte Ed25519 key. */
  public_key: string;
}

export interface OfflineClaims {
  ticketId: string;
  eventId: string;
  bookingId: string;
  seat: string;
}

export type OfflineCheck = { ok: true; ticket: OfflineClaims } | { ok: false; reason: 'malformed' | 'unknown_key' | 'bad_signature' };

const VERSION = 1;
const KID_BYTES = 6;
const SIGNATURE_BYTES = 64;
const HEADER_BYTES = 1 + KID_BYTES + 16 * 3 + 1;
const MAX_CODE_LENGTH = 600;

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) return undefined;
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const raw = atob(b64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

function toBase64url(bytes: Uint8Array): string {
  let raw = '';
  for (const b of bytes) raw += String.fromCharCode(b);
  return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function uuidText(bytes: Uint8Array): string {
  const h = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// Spelled through the function so the type is the same in the browser's and Node's libraries.
type VerifyKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** A verifier over the keys the gate fetched while online (GET /api/tickets/keys). */
export function createOfflineVerifier(keys: readonly PublicKey[]) {
  const imported = new Map<string, Promise<VerifyKey | undefined>>();
  const keyOf = (kid: string): Promise<VerifyKey | undefined> => {
    let key = imported.get(kid);
    if (!key) {
      const known = keys.find((k) => k.kid === kid);
      const raw = known ? fromBase64url(known.public_key) : undefined;
      key = raw
        ? crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']).catch(() => undefined)
        : Promise.resolve(undefined);
      imported.set(kid, key);
    }
    return key;
  };
  return {
    async verify(code: string): Promise<OfflineCheck> {
      if (code.length > MAX_CODE_LENGTH) return { ok: false, reason: 'malformed' };
      const raw = fromBase64url(code);
      if (!raw || raw.length < HEADER_BYTES + 1 + SIGNATURE_BYTES || toBase64url(raw) !== code) return { ok: false, reason: 'malformed' };
      const seatLength = raw[HEADER_BYTES - 1]!;
      if (raw[0] !== VERSION || seatLength === 0 || raw.length !== HEADER_BYTES + seatLength + SIGNATURE_BYTES) {
        return { ok: false, reason: 'malformed' };
      }
      const key = await keyOf(toBase64url(raw.subarray(1, 1 + KID_BYTES)));
      if (!key) return { ok: false, reason: 'unknown_key' };
      const payload = raw.subarray(0, HEADER_BYTES + seatLength);
      const signature = raw.subarray(HEADER_BYTES + seatLength);
      if (!(await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, payload))) return { ok: false, reason: 'bad_signature' };
      let seat: string;
      try {
        seat = new TextDecoder('utf-8', { fatal: true }).decode(raw.subarray(HEADER_BYTES, HEADER_BYTES + seatLength));
      } catch {
        return { ok: false, reason: 'malformed' };
      }
      const at = 1 + KID_BYTES;
      return {
        ok: true,
        ticket: {
          ticketId: uuidText(raw.subarray(at, at + 16)),
          eventId: uuidText(raw.subarray(at + 16, at + 32)),
          bookingId: uuidText(raw.subarray(at + 32, at + 48)),
          seat,
        },
      };
    },
  };
}

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
