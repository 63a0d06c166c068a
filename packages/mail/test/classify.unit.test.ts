import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TransientError, UnrecoverableError } from '@ticketing/errors';
import { classifyMailError, MailPermanentError, MailTransientError, toMailError } from '../src/index.ts';

describe('classifyMailError', () => {
  const cases: [string, unknown, 'transient' | 'permanent'][] = [
    ['451 on RCPT TO (greylisting)', { code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' }, 'transient'],
    ['452 insufficient storage on DATA', { code: 'EMESSAGE', responseCode: 452, command: 'DATA' }, 'transient'],
    ['421 service closing', { code: 'ECONNECTION', responseCode: 421, command: 'CONN' }, 'transient'],
    ['550 mailbox unavailable on RCPT TO', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }, 'permanent'],
    ['554 transaction failed on DATA', { code: 'EMESSAGE', responseCode: 554, command: 'DATA' }, 'permanent'],
    ['553 sender refused on MAIL FROM', { code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM' }, 'permanent'],
    ['503 bad sequence (session state, not the message)', { code: 'EENVELOPE', responseCode: 503, command: 'DATA' }, 'transient'],
    ['554 greeting (no service here)', { code: 'EPROTOCOL', responseCode: 554, command: 'CONN' }, 'transient'],
    ['535 bad credentials', { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' }, 'transient'],
    ['connection refused', { code: 'ESOCKET', command: 'CONN' }, 'transient'],
    ['timeout', { code: 'ETIMEDOUT', command: 'CONN' }, 'transient'],
    ['DNS failure', { code: 'EDNS', command: 'CONN' }, 'transient'],
    ['no valid recipient (API check, no reply)', { code: 'EENVELOPE', command: 'API' }, 'permanent'],
    ['an error with a reply code only in its text', new Error('550 mailbox unavailable'), 'transient'],
    ['something that is not an error', 'boom', 'transient'],
  ];
  for (const [label, err, kind] of cases) {
    it(`treats ${label} as ${kind}`, () => {
      assert.equal(classifyMailError(err).kind, kind);
    });
  }

  it('wraps into the bus error types: transient retries, permanent dead-letters', () => {
    const t = toMailError({ code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' });
    assert.ok(t instanceof MailTransientError && t instanceof TransientError);
    assert.equal(t.responseCode, 451);
    const p = toMailError({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' });
    assert.ok(p instanceof MailPermanentError && p instanceof UnrecoverableError);
    assert.equal(p.command, 'RCPT TO');
    assert.equal(toMailError(p), p);
  });
});
