import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  createTicketCodes,
  createTicketSigner,
  createTicketVerifier,
  generateTicketSigningKey,
  kidOf,
  MAX_CODE_LENGTH,
  ticketSigningKey,
  ticketSigningKeyFromSecret,
  TicketKeyError,
} from '../src/index.ts';

const claims = () => ({ ticketId: randomUUID(), eventId: randomUUID(), bookingId: randomUUID(), seat: 'B-12' });

/** Flips one bit of the decoded code at `index` and encodes it again. */
function flipByte(code: string, index: number): string {
  const raw = Buffer.from(code, 'base64url');
  raw[index]! ^= 0x01;
  return raw.toString('base64url');
}

describe('ticket codes', () => {
  const key = generateTicketSigningKey();
  const signer = createTicketSigner(key);
  const verifier = createTicketVerifier([signer.publicKey]);

  it('verifies a signed code offline and gives back its ticket, event, booking, seat and kid', () => {
    const c = claims();
    const code = signer.sign(c);
    assert.match(code, /^[A-Za-z0-9_-]+$/);
    assert.ok(code.length <= 180, `compact enough for a QR code: ${code.length} characters`);
    assert.deepEqual(verifier.verify(code), { ok: true, ticket: { ...c, kid: key.kid } });
  });

  it('signs deterministically, so a code can be shown again without storing state', () => {
    const c = claims();
    assert.equal(signer.sign(c), signer.sign(c));
  });

  it('carries any UTF-8 seat label up to 64 bytes', () => {
    const c = { ...claims(), seat: 'Balcón-Ω-7' };
    const check = verifier.verify(signer.sign(c));
    assert.ok(check.ok && check.ticket.seat === 'Balcón-Ω-7');
    assert.throws(() => signer.sign({ ...c, seat: 'x'.repeat(65) }), /seat label/);
    assert.throws(() => signer.sign({ ...c, seat: '' }), /seat label/);
    assert.throws(() => signer.sign({ ...c, ticketId: 'not-a-uuid' }), /ticketId must be a UUID/);
  });

  it('refuses an altered code: every byte of claims or signature counts', () => {
    const code = signer.sign(claims());
    const length = Buffer.from(code, 'base64url').length;
    for (let i = 1 + 6; i < length; i++) {
      const check = verifier.verify(flipByte(code, i));
      assert.equal(check.ok, false, `byte ${i} altered`);
    }
  });

  it('refuses a code that names another seat with the original signature', () => {
    const c = claims();
    const code = signer.sign(c);
    const forged = createTicketSigner(key).sign({ ...c, seat: 'B-13' });
    const spliced = Buffer.concat([
      Buffer.from(forged, 'base64url').subarray(0, -64),
      Buffer.from(code, 'base64url').subarray(-64),
    ]).toString('base64url');
    assert.deepEqual(verifier.verify(spliced), { ok: false, reason: 'bad_signature' });
  });

  it('refuses a code signed with another key, whatever kid it claims', () => {
    const other = generateTicketSigningKey();
    const foreign = createTicketSigner(other).sign(claims());
    assert.deepEqual(verifier.verify(foreign), { ok: false, reason: 'unknown_key' });
    // The forger writes our kid into a code signed with their own key.
    const posing = createTicketSigner({ ...other, kid: key.kid }).sign(claims());
    assert.deepEqual(verifier.verify(posing), { ok: false, reason: 'bad_signature' });
  });

  it('refuses a code whose kid was changed to another accepted key', () => {
    const second = generateTicketSigningKey();
    const both = createTicketVerifier([signer.publicKey, createTicketSigner(second).publicKey]);
    const raw = Buffer.from(signer.sign(claims()), 'base64url');
    Buffer.from(second.kid, 'base64url').copy(raw, 1);
    assert.deepEqual(both.verify(raw.toString('base64url')), { ok: false, reason: 'bad_signature' });
  });

  it('refuses things that are not codes, without throwing', () => {
    const code = signer.sign(claims());
    for (const bad of ['', 'abc', 'not base64!', code.slice(0, -4), `${code}AAAA`, 'A'.repeat(MAX_CODE_LENGTH + 1), flipByte(code, 0)]) {
      assert.deepEqual(verifier.verify(bad), { ok: false, reason: 'malformed' }, bad.slice(0, 20));
    }
    assert.deepEqual(verifier.verify(42 as unknown as string), { ok: false, reason: 'malformed' });
  });
});

describe('ticket keys', () => {
  it('derives the kid and public key from the configured private key', () => {
    const key = generateTicketSigningKey();
    assert.deepEqual(ticketSigningKey(key.privateKey), key);
    assert.equal(kidOf(key.publicKey), key.kid);
    assert.equal(key.kid.length, 8);
  });

  it('refuses a malformed configured key with a readable error', () => {
    assert.throws(() => ticketSigningKey('short'), TicketKeyError);
    assert.throws(() => ticketSigningKey('x'.repeat(43) + '!'), /32 bytes in base64url/);
  });

  it('keeps verifying codes of a retired key after a rotation, and signs with the new one', () => {
    const oldSecret = 'o'.repeat(40);
    const old = ticketSigningKeyFromSecret(oldSecret);
    const oldCode = createTicketSigner(old).sign(claims());
    const { signer, verifier } = createTicketCodes({ signingSecret: 'n'.repeat(40), previousPublicKeys: [old.publicKey] });
    assert.notEqual(signer.kid, old.kid);
    assert.deepEqual(
      verifier.keys.map((k) => k.kid),
      [signer.kid, old.kid],
    );
    assert.equal(verifier.verify(oldCode).ok, true);
    assert.equal(verifier.verify(signer.sign(claims())).ok, true);
    const withoutOld = createTicketCodes({ signingSecret: 'n'.repeat(40) });
    assert.deepEqual(withoutOld.verifier.verify(oldCode), { ok: false, reason: 'unknown_key' });
  });

  it('derives one stable key from a configured secret, and refuses a short secret', () => {
    const a = ticketSigningKeyFromSecret('s'.repeat(48));
    assert.deepEqual(a, ticketSigningKeyFromSecret('s'.repeat(48)));
    assert.notEqual(a.publicKey, ticketSigningKeyFromSecret('t'.repeat(48)).publicKey);
    assert.throws(() => ticketSigningKeyFromSecret('short'), TicketKeyError);
  });
});
