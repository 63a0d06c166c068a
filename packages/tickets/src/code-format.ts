// The layout of a ticket code, in one module that runs in Node and in the browser alike (no
// node:crypto, no Buffer): the services sign and verify with node:crypto (codes.ts), the
// scanner verifies offline with WebCrypto (apps/web's check-in feature imports
// `@ticketing/tickets/format`), and both read and write the bytes here.

/**
 * A ticket code (docs/tickets.md): base64url of
 *   version (1 byte) | kid (6) | ticket id (16) | event id (16) | booking id (16) | seat length (1) | seat (UTF-8)
 * followed by the Ed25519 signature (64 bytes) of everything before it. About 170 characters:
 * a QR code of version 9–10 holds it at error correction level M.
 */
const VERSION = 1;
/** Bytes of the key id inside a code (8 characters of base64url). */
export const KID_BYTES = 6;
const SIGNATURE_BYTES = 64;
const HEADER_BYTES = 1 + KID_BYTES + 16 * 3 + 1;
/** Longest seat label a code carries (bytes of UTF-8). */
export const MAX_SEAT_BYTES = 64;
/** Longest text that can be a code; longer input is refused before decoding. */
export const MAX_CODE_LENGTH = Math.ceil(((HEADER_BYTES + MAX_SEAT_BYTES + SIGNATURE_BYTES) * 4) / 3);

export interface TicketClaims {
  ticketId: string;
  eventId: string;
  bookingId: string;
  seat: string;
}

export type VerifiedTicket = TicketClaims & { kid: string };

/** Why a code was refused: not a code at all, signed by a key we do not know, or not signed by the key it names. */
export type TicketCodeRefusal = 'malformed' | 'unknown_key' | 'bad_signature';

export type TicketCodeCheck = { ok: true; ticket: VerifiedTicket } | { ok: false; reason: TicketCodeRefusal };

/** A key that verifies codes: what a gate holds, and what GET /api/tickets/keys publishes. */
export interface TicketPublicKey {
  kid: string;
  /** base64url of the raw 32-byte Ed25519 public key. */
  publicKey: string;
}

/** The bytes of base64url text, or undefined when it is not base64url. */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) return undefined;
  const raw = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}

export function toBase64url(bytes: Uint8Array): string {
  let raw = '';
  for (const b of bytes) raw += String.fromCharCode(b);
  return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidBytes(id: string, what: string): Uint8Array {
  if (!UUID.test(id)) throw new TypeError(`${what} must be a UUID`);
  const hex = id.replaceAll('-', '');
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

function uuidText(bytes: Uint8Array): string {
  const h = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The signed part of a code: everything but the signature. Throws a TypeError for claims a code cannot carry. */
export function encodeTicketPayload(kid: string, claims: TicketClaims): Uint8Array<ArrayBuffer> {
  const kidBytes = fromBase64url(kid);
  if (kidBytes?.length !== KID_BYTES) throw new TypeError(`a kid is ${KID_BYTES} bytes in base64url`);
  const seat = new TextEncoder().encode(claims.seat);
  if (seat.length === 0 || seat.length > MAX_SEAT_BYTES) throw new TypeError(`a seat label is 1–${MAX_SEAT_BYTES} bytes`);
  const payload = new Uint8Array(HEADER_BYTES + seat.length);
  payload[0] = VERSION;
  payload.set(kidBytes, 1);
  payload.set(uuidBytes(claims.ticketId, 'ticketId'), 1 + KID_BYTES);
  payload.set(uuidBytes(claims.eventId, 'eventId'), 1 + KID_BYTES + 16);
  payload.set(uuidBytes(claims.bookingId, 'bookingId'), 1 + KID_BYTES + 32);
  payload[HEADER_BYTES - 1] = seat.length;
  payload.set(seat, HEADER_BYTES);
  return payload;
}

/** The code of a payload and its signature. */
export const encodeTicketCode = (payload: Uint8Array, signature: Uint8Array): string =>
  toBase64url(new Uint8Array([...payload, ...signature]));

/** A code taken apart, before its signature is checked. */
export interface ParsedTicketCode {
  kid: string;
  payload: Uint8Array<ArrayBuffer>;
  signature: Uint8Array<ArrayBuffer>;
  /** What the code claims once its signature holds; undefined when the seat is not UTF-8 (a code we never sign). */
  claims: VerifiedTicket | undefined;
}

/** Takes a code apart; undefined when it is not one (the refusal is then `malformed`). */
export function parseTicketCode(code: string): ParsedTicketCode | undefined {
  if (typeof code !== 'string' || code.length > MAX_CODE_LENGTH) return undefined;
  const raw = fromBase64url(code);
  // Re-encoding must give the same text: refuses non-canonical spellings of the same bytes.
  if (!raw || raw.length < HEADER_BYTES + 1 + SIGNATURE_BYTES || toBase64url(raw) !== code) return undefined;
  const seatLength = raw[HEADER_BYTES - 1]!;
  if (raw[0] !== VERSION || seatLength === 0 || raw.length !== HEADER_BYTES + seatLength + SIGNATURE_BYTES) return undefined;
  const kid = toBase64url(raw.subarray(1, 1 + KID_BYTES));
  let claims: VerifiedTicket | undefined;
  try {
    const seat = new TextDecoder('utf-8', { fatal: true }).decode(raw.subarray(HEADER_BYTES, HEADER_BYTES + seatLength));
    const at = 1 + KID_BYTES;
    claims = {
      kid,
      ticketId: uuidText(raw.subarray(at, at + 16)),
      eventId: uuidText(raw.subarray(at + 16, at + 32)),
      bookingId: uuidText(raw.subarray(at + 32, at + 48)),
      seat,
    };
  } catch {
    claims = undefined;
  }
  return { kid, payload: raw.slice(0, HEADER_BYTES + seatLength), signature: raw.slice(HEADER_BYTES + seatLength), claims };
}

/** The verdict on a code taken apart, given whether its signature holds under the key it names (undefined: no such key). */
export function ticketCodeVerdict(parsed: ParsedTicketCode, holds: boolean | undefined): TicketCodeCheck {
  if (holds === undefined) return { ok: false, reason: 'unknown_key' };
  if (!holds) return { ok: false, reason: 'bad_signature' };
  return parsed.claims ? { ok: true, ticket: parsed.claims } : { ok: false, reason: 'malformed' };
}

// Spelled through the function so the type is the same in the browser's and Node's libraries.
type VerifyKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/**
 * A verifier with WebCrypto's Ed25519 (browsers, and Node 24 too): what a gate does offline with
 * the keys it fetched while online. A key that does not import counts as unknown.
 */
export function createWebCryptoTicketVerifier(keys: readonly TicketPublicKey[]) {
  const imported = new Map<string, Promise<VerifyKey | undefined>>();
  const keyOf = (kid: string): Promise<VerifyKey | undefined> => {
    let key = imported.get(kid);
    if (!key) {
      const raw = fromBase64url(keys.find((k) => k.kid === kid)?.publicKey ?? '');
      key = raw
        ? crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']).catch(() => undefined)
        : Promise.resolve(undefined);
      imported.set(kid, key);
    }
    return key;
  };
  return {
    keys,
    async verify(code: string): Promise<TicketCodeCheck> {
      const parsed = parseTicketCode(code);
      if (!parsed) return { ok: false, reason: 'malformed' };
      const key = await keyOf(parsed.kid);
      return ticketCodeVerdict(parsed, key && (await crypto.subtle.verify({ name: 'Ed25519' }, key, parsed.signature, parsed.payload)));
    },
  };
}
