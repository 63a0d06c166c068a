import { createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { KID_BYTES } from './code-format.ts';

/** The DER header of a PKCS#8 Ed25519 private key; the 32-byte seed follows it. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A key that signs ticket codes. `privateKey` is the base64url Ed25519 seed (32 bytes), what configuration holds. */
export interface TicketSigningKey {
  kid: string;
  privateKey: string;
  publicKey: string;
}

export class TicketKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TicketKeyError';
  }
}

function decodeBase64url(text: string, bytes: number, what: string): Buffer {
  const raw = Buffer.from(text, 'base64url');
  if (!/^[A-Za-z0-9_-]+$/.test(text) || raw.length !== bytes) {
    throw new TicketKeyError(`${what} must be ${bytes} bytes in base64url (${Math.ceil((bytes * 4) / 3)} characters)`);
  }
  return raw;
}

/** The key id of a public key: derived from the key itself, so a configured key can never carry the wrong one. */
export function kidOf(publicKey: string): string {
  const raw = decodeBase64url(publicKey, 32, 'an Ed25519 public key');
  return createHash('sha256').update(raw).digest().subarray(0, KID_BYTES).toString('base64url');
}

export function privateKeyObject(privateKey: string): KeyObject {
  const seed = decodeBase64url(privateKey, 32, 'the ticket signing key');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function publicKeyObject(publicKey: string): KeyObject {
  decodeBase64url(publicKey, 32, 'an Ed25519 public key');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey }, format: 'jwk' });
}

/** The signing key (with its public half and kid) of a configured base64url seed; throws TicketKeyError when malformed. */
export function ticketSigningKey(privateKey: string): TicketSigningKey {
  const jwk = createPublicKey(privateKeyObject(privateKey)).export({ format: 'jwk' });
  const publicKey = jwk.x!;
  return { kid: kidOf(publicKey), privateKey, publicKey };
}

/** A new random signing key (tests; a deployment configures a secret instead: ticketSigningKeyFromSecret). */
export function generateTicketSigningKey(): TicketSigningKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519_PREFIX.length);
  return ticketSigningKey(seed.toString('base64url'));
}

/**
 * The signing key of a configured secret (TICKET_SIGNING_SECRET, any random text of 32+
 * characters): the Ed25519 seed is HMAC-SHA256(secret), so the secret is generated and stored
 * like the JWT secrets (a Helm Secret, an .env file) and never needs a key format of its own.
 */
export function ticketSigningKeyFromSecret(secret: string): TicketSigningKey {
  if (secret.length < 32) throw new TicketKeyError('the ticket signing secret must be at least 32 characters');
  return ticketSigningKey(createHmac('sha256', secret).update('ticketing ed25519 ticket key v1').digest('base64url'));
}
