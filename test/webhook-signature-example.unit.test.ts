// The 10-line verifier printed in docs/webhooks.md, run as it is written there, against
// deliveries signed by the platform's own signer: valid, tampered, other secret, replayed later
// (too old), two signatures during a secret's rotation.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createWebhookSecret, signWebhook, verifyWebhookSignature } from '@ticketing/auth';

type Verify = (header: string, body: string, secret: string, toleranceSeconds?: number) => boolean;

describe('the signature verifier example in docs/webhooks.md', () => {
  let verify: Verify;
  const secret = createWebhookSecret();
  const body = JSON.stringify({ id: 'evt_0123456789abcdef0123456789abcdef', type: 'booking.confirmed', data: { seats: ['A1'] } });
  const now = () => Math.floor(Date.now() / 1000);

  before(async () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, '../docs/webhooks.md'), 'utf8');
    const block = /<!-- verify-example -->\n```js\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(block, 'docs/webhooks.md has the example block');
    assert.ok(block.trim().split('\n').length <= 10, 'the example is at most 10 lines');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'webhook-example-')), 'verify.mjs');
    writeFileSync(file, block);
    verify = ((await import(pathToFileURL(file).href)) as { verifyTicketingSignature: Verify }).verifyTicketingSignature;
  });

  it('accepts a delivery signed with the secret', () => {
    assert.equal(verify(signWebhook(body, [secret], now()), body, secret), true);
  });

  it('refuses a tampered body, another secret and a malformed header', () => {
    const header = signWebhook(body, [secret], now());
    assert.equal(verify(header, body.replace('A1', 'A2'), secret), false);
    assert.equal(verify(header, body, createWebhookSecret()), false);
    assert.equal(verify('t=abc,v1=zz', body, secret), false);
    assert.equal(verify('', body, secret), false);
    assert.equal(verify(header.replace(/v1=([0-9a-f])/, 'v1=g'), body, secret), false);
  });

  it('refuses a delivery replayed after the tolerance (too old), and one from the future', () => {
    assert.equal(verify(signWebhook(body, [secret], now() - 301), body, secret), false);
    assert.equal(verify(signWebhook(body, [secret], now() + 301), body, secret), false);
    assert.equal(verify(signWebhook(body, [secret], now() - 299), body, secret), true);
  });

  it('accepts either secret while a rotated one overlaps (two v1 signatures)', () => {
    const next = createWebhookSecret();
    const header = signWebhook(body, [next, secret], now());
    assert.equal(header.match(/v1=/g)?.length, 2);
    assert.equal(verify(header, body, secret), true);
    assert.equal(verify(header, body, next), true);
  });

  it('agrees with the platform’s own verifier', () => {
    const header = signWebhook(body, [secret], now());
    assert.deepEqual(verifyWebhookSignature(header, body, secret).ok, verify(header, body, secret));
    assert.deepEqual(verifyWebhookSignature(header, body + ' ', secret), { ok: false, reason: 'no_matching_signature' });
    assert.deepEqual(verifyWebhookSignature(signWebhook(body, [secret], now() - 1000), body, secret), {
      ok: false,
      reason: 'timestamp_out_of_tolerance',
    });
  });
});
