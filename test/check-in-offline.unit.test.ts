// The web scanner's offline verifier (apps/web/src/features/check-in/offline.ts) against the
// ticket primitive (packages/tickets): what one signs the other verifies, and what the server
// refuses the gate refuses too.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createTicketSigner, createTicketVerifier, generateTicketSigningKey } from '@ticketing/tickets';
import { createOfflineVerifier } from '../apps/web/src/features/check-in/offline.ts';

const key = generateTicketSigningKey();
const signer = createTicketSigner(key);
const gate = createOfflineVerifier([{ kid: key.kid, public_key: key.publicKey }]);
const server = createTicketVerifier([{ kid: key.kid, publicKey: key.publicKey }]);

describe('the offline gate verifier', () => {
  it('reads the claims of a code signed by the tickets primitive, as the server does', async () => {
    const claims = { ticketId: randomUUID(), eventId: randomUUID(), bookingId: randomUUID(), seat: 'Balcony C12' };
    const code = signer.sign(claims);
    assert.deepEqual(await gate.verify(code), { ok: true, ticket: { ...claims, kid: key.kid } });
    assert.deepEqual(server.verify(code), { ok: true, ticket: { ...claims, kid: key.kid } });
  });

  it('refuses what the server refuses, for the same reason', async () => {
    const claims = { ticketId: randomUUID(), eventId: randomUUID(), bookingId: randomUUID(), seat: 'A1' };
    const code = signer.sign(claims);
    const other = createTicketSigner(generateTicketSigningKey()).sign(claims);
    const flipped = code.slice(0, 30) + (code[30] === 'A' ? 'B' : 'A') + code.slice(31);
    const cases = ['', 'hello', code + 'A', code.slice(0, -4), other, flipped, 'x'.repeat(700), code.replace(/.$/, '=')];
    for (const c of cases) {
      const mine = await gate.verify(c);
      const theirs = server.verify(c);
      assert.equal(mine.ok, false, c);
      assert.equal(theirs.ok, false, c);
      if (!mine.ok && !theirs.ok) assert.equal(mine.reason, theirs.reason, c.slice(0, 40));
    }
  });
});
