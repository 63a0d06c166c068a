import { sign, verify, type KeyObject } from 'node:crypto';
import {
  KID_BYTES,
  kidOf,
  privateKeyObject,
  publicKeyObject,
  ticketSigningKeyFromSecret,
  type TicketPublicKey,
  type TicketSigningKey,
} from './keys.ts';

/**
 * A ticket code (docs/tickets.md): base64url of
 *   version (1 byte) | kid (6) | ticket id (16) | event id (16) | booking id (16) | seat length (1) | seat (UTF-8)
 * followed by the Ed25519 signature (64 bytes) of everything before it. About 170 characters:
 * a QR code of version 9–10 holds it at error correction level M.
 */
const VERSION = 1;
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidBytes(id: string, what: string): Buffer {
  if (!UUID.test(id)) throw new TypeError(`${what} must be a UUID`);
  return Buffer.from(id.replaceAll('-', ''), 'hex');
}

function uuidText(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface TicketSigner {
  readonly kid: string;
  readonly publicKey: TicketPublicKey;
  /** The signed code of one ticket (deterministic: the same claims and key give the same code). */
  sign(claims: TicketClaims): string;
}

export function createTicketSigner(key: TicketSigningKey): TicketSigner {
  const privateKey = privateKeyObject(key.privateKey);
  const kid = Buffer.from(key.kid, 'base64url');
  if (kid.length !== KID_BYTES) throw new TypeError(`a kid is ${KID_BYTES} bytes in base64url`);
  return {
    kid: key.kid,
    publicKey: { kid: key.kid, publicKey: key.publicKey },
    sign(claims) {
      const seat = Buffer.from(claims.seat, 'utf8');
      if (seat.length === 0 || seat.length > MAX_SEAT_BYTES) throw new TypeError(`a seat label is 1–${MAX_SEAT_BYTES} bytes`);
      const payload = Buffer.concat([
        Buffer.of(VERSION),
        kid,
        uuidBytes(claims.ticketId, 'ticketId'),
        uuidBytes(claims.eventId, 'eventId'),
        uuidBytes(claims.bookingId, 'bookingId'),
        Buffer.of(seat.length),
        seat,
      ]);
      return Buffer.concat([payload, sign(null, payload, privateKey)]).toString('base64url');
    },
  };
}

export interface TicketVerifier {
  /** The keys this verifier accepts (the current one first). */
  readonly keys: readonly TicketPublicKey[];
  /** Checks a code's signature and reads its claims, with no database: what a gate does offline. */
  verify(code: string): TicketCodeCheck;
}

/** A verifier that accepts codes signed by any of `keys` (the current key and the ones still honoured after a rotation). */
export function createTicketVerifier(keys: readonly TicketPublicKey[]): TicketVerifier {
  const byKid = new Map<string, KeyObject>(keys.map((k) => [k.kid, publicKeyObject(k.publicKey)]));
  return {
    keys,
    verify(code) {
      if (typeof code !== 'string' || code.length > MAX_CODE_LENGTH || !/^[A-Za-z0-9_-]+$/.test(code)) {
        return { ok: false, reason: 'malformed' };
      }
      const raw = Buffer.from(code, 'base64url');
      // Re-encoding must give the same text: refuses non-canonical spellings of the same bytes.
      if (raw.length < HEADER_BYTES + 1 + SIGNATURE_BYTES || raw.toString('base64url') !== code) return { ok: false, reason: 'malformed' };
      const seatLength = raw[HEADER_BYTES - 1]!;
      if (raw[0] !== VERSION || seatLength === 0 || raw.length !== HEADER_BYTES + seatLength + SIGNATURE_BYTES) {
        return { ok: false, reason: 'malformed' };
      }
      const payload = raw.subarray(0, HEADER_BYTES + seatLength);
      const signature = raw.subarray(HEADER_BYTES + seatLength);
      const kid = raw.subarray(1, 1 + KID_BYTES).toString('base64url');
      const key = byKid.get(kid);
      if (!key) return { ok: false, reason: 'unknown_key' };
      if (!verify(null, payload, key, signature)) return { ok: false, reason: 'bad_signature' };
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
          kid,
          ticketId: uuidText(raw.subarray(at, at + 16)),
          eventId: uuidText(raw.subarray(at + 16, at + 32)),
          bookingId: uuidText(raw.subarray(at + 32, at + 48)),
          seat,
        },
      };
    },
  };
}

/**
 * The signer and verifier of a service's configuration (the ticketsSection of packages/config):
 * the key of `signingSecret` signs new codes; codes signed by it or by any of
 * `previousPublicKeys` (keys retired by a rotation, base64url) verify.
 */
export function createTicketCodes(config: { signingSecret: string; previousPublicKeys?: readonly string[] }): {
  signer: TicketSigner;
  verifier: TicketVerifier;
} {
  const signer = createTicketSigner(ticketSigningKeyFromSecret(config.signingSecret));
  const previous = (config.previousPublicKeys ?? []).map((publicKey) => ({ kid: kidOf(publicKey), publicKey }));
  return { signer, verifier: createTicketVerifier([signer.publicKey, ...previous.filter((k) => k.kid !== signer.kid)]) };
}
