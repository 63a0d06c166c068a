import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signatures of outgoing webhooks, the way Stripe signs its own (docs/webhooks.md):
 * `Ticketing-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. While a
 * rotated secret is still valid the header carries one `v1` per secret, so a receiver that knows
 * either one accepts the delivery.
 */
export const WEBHOOK_SIGNATURE_HEADER = 'Ticketing-Signature';
export const WEBHOOK_SIGNATURE_SCHEME = 'v1';
/** Prefix of every endpoint secret, so one pasted in the wrong place is recognisable. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** How old a signed timestamp a verifier accepts by default (a replay defence). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** A new endpoint secret: 32 random bytes. */
export function createWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64url');
}

function hmac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The header value for `body` signed at `timestamp` (unix seconds) with each of `secrets`. */
export function signWebhook(body: string, secrets: readonly string[], timestamp: number): string {
  if (secrets.length === 0) throw new Error('signWebhook needs at least one secret');
  return [`t=${timestamp}`, ...secrets.map((s) => `${WEBHOOK_SIGNATURE_SCHEME}=${hmac(s, timestamp, body)}`)].join(',');
}

export type WebhookVerification =
  { ok: true; timestamp: number } | { ok: false; reason: 'malformed_header' | 'no_matching_signature' | 'timestamp_out_of_tolerance' };

/**
 * Checks a `Ticketing-Signature` header against the raw body: some `v1` must match the secret and
 * the timestamp must be within `toleranceSeconds` of `nowSeconds` (either way: clocks drift).
 */
export function verifyWebhookSignature(
  header: string | undefined,
  body: string,
  secret: string,
  opts: { toleranceSeconds?: number; nowSeconds?: number } = {},
): WebhookVerification {
  if (!header) return { ok: false, reason: 'malformed_header' };
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === WEBHOOK_SIGNATURE_SCHEME && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return { ok: false, reason: 'malformed_header' };
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  if (!signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected))) return { ok: false, reason: 'no_matching_signature' };
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (opts.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS))
    return { ok: false, reason: 'timestamp_out_of_tolerance' };
  return { ok: true, timestamp };
}
