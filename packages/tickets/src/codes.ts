import { sign, verify, type KeyObject } from 'node:crypto';
import {
  encodeTicketCode,
  encodeTicketPayload,
  fromBase64url,
  KID_BYTES,
  parseTicketCode,
  ticketCodeVerdict,
  type TicketClaims,
  type TicketCodeCheck,
  type TicketPublicKey,
} from './code-format.ts';
import { kidOf, privateKeyObject, publicKeyObject, ticketSigningKeyFromSecret, type TicketSigningKey } from './keys.ts';

// The services' signer and verifier (node:crypto, synchronous); the layout of a code is
// code-format.ts's, which the scanner's offline verifier shares.

export interface TicketSigner {
  readonly kid: string;
  readonly publicKey: TicketPublicKey;
  /** The signed code of one ticket (deterministic: the same claims and key give the same code). */
  sign(claims: TicketClaims): string;
}

export function createTicketSigner(key: TicketSigningKey): TicketSigner {
  const privateKey = privateKeyObject(key.privateKey);
  if (fromBase64url(key.kid)?.length !== KID_BYTES) throw new TypeError(`a kid is ${KID_BYTES} bytes in base64url`);
  return {
    kid: key.kid,
    publicKey: { kid: key.kid, publicKey: key.publicKey },
    sign(claims) {
      const payload = encodeTicketPayload(key.kid, claims);
      return encodeTicketCode(payload, sign(null, payload, privateKey));
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
      const parsed = parseTicketCode(code);
      if (!parsed) return { ok: false, reason: 'malformed' };
      const key = byKid.get(parsed.kid);
      return ticketCodeVerdict(parsed, key && verify(null, parsed.payload, key, parsed.signature));
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
