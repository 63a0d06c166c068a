import { createHash } from 'node:crypto';

/** Namespace of booking ids (a fixed random UUID; changing it would change every id). */
export const BOOKING_ID_NAMESPACE = '5b0e7c3a-61f2-4c1e-9d2b-8a4f3e6d1c70';

/** A name-based UUID (version 5, RFC 9562 §5.5): SHA-1 of namespace bytes + name, formatted as a UUID. */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The booking id of a hold. Every submit for one hold, in any process, targets the same booking,
 * which is what makes concurrent submits and retries after a crash collapse into one booking.
 */
export function bookingIdForHold(holdId: string): string {
  return uuidV5(BOOKING_ID_NAMESPACE, holdId.toLowerCase());
}
