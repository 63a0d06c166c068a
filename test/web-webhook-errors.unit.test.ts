// The webhooks pages show every error of the notification service's API as a sentence for a
// person: each code of its catalog, and each reason an endpoint's address is refused for.
// Pure logic (the pages' table of texts); test/web-webhooks.test.ts shows some of them in Chromium.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { notificationsCatalog } from '../services/notifications/src/errors.ts';
import { webhookErrorText } from '../apps/web/src/features/webhooks/errors.ts';

function assertSentence(text: string, what: string): void {
  assert.match(text, /^[A-Z].*[.!?]$/s, `${what}: "${text}" is a sentence`);
  assert.doesNotMatch(text, /\b[a-z]+_[a-z_]+\b|webhooks\.manage|\{|\}/, `${what}: "${text}" shows no codes or JSON`);
  assert.notEqual(text, 'Something went wrong. Please try again.', `${what}: has a text of its own`);
}

describe('webhook pages: API errors as sentences', () => {
  it('turns every code of the notification service into a sentence', () => {
    for (const [code, spec] of Object.entries(notificationsCatalog.specs)) {
      assertSentence(webhookErrorText({ error: code, message: spec.message, details: {} }, spec.status), code);
    }
  });

  it('says why an address was refused', () => {
    const texts = new Set<string>();
    for (const reason of ['not_a_url', 'scheme_not_allowed', 'credentials_in_url', 'private_address', 'unresolvable']) {
      const text = webhookErrorText({ error: 'webhook_url_not_allowed', message: 'refused', details: { reason } }, 422);
      assertSentence(text, reason);
      texts.add(text);
    }
    assert.equal(texts.size, 5, 'each reason has its own text');
    assertSentence(webhookErrorText({ error: 'webhook_url_not_allowed', message: 'refused' }, 422), 'no reason');
  });

  it('explains a refusal by role without naming the permission', () => {
    const text = webhookErrorText({ error: 'forbidden', message: 'Your role in this organization does not allow webhooks.manage' }, 403);
    assert.equal(text, 'Only the owners and managers of an organization manage its webhooks.');
  });
});
