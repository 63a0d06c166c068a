// Emails about accounts travel users outbox → `account-emails` → notification worker → SMTP, in
// both profiles (Kafka and the in-process bus).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueEmail } from '@ticketing/testing';
import { startAccountsPlatform, type AccountsPlatform } from './support/accounts.ts';

for (const profile of ['production', 'embedded'] as const) {
  describe(`account emails (${profile} adapters)`, () => {
    let platform: AccountsPlatform;
    before(async () => (platform = await startAccountsPlatform(profile)), { timeout: 120_000 });
    after(async () => platform?.close());

    it('sends an email queued in a transaction once it commits, and none when the transaction rolls back', async () => {
      const to = uniqueEmail('outbox');
      const { accountEmails, db } = platform.usersDeps;
      const expires = new Date(Date.now() + 3_600_000).toISOString();
      await assert.rejects(
        db.transaction(async (tx) => {
          await accountEmails.enqueue(tx, {
            type: 'password_reset',
            recipient_email: to,
            recipient_name: 'Rolled Back',
            link: 'http://shop.example.test/reset-password?token=never',
            expires_at: expires,
          });
          throw new Error('the change failed');
        }),
        /the change failed/,
      );
      await db.transaction((tx) =>
        accountEmails.enqueue(tx, {
          type: 'organization_invitation',
          recipient_email: to,
          recipient_name: '',
          organization_name: 'Blue Note <Hall>',
          inviter_name: 'Olga Owner',
          role: 'manager',
          link: 'http://shop.example.test/invitations/abc?x=1&y=2',
          expires_at: expires,
        }),
      );
      accountEmails.committed();

      const [mail] = await platform.smtp.waitFor(to, 1);
      assert.equal(mail!.parsed.subject, 'You are invited to join Blue Note <Hall>');
      assert.match(mail!.parsed.text ?? '', /Olga Owner invited you to join Blue Note <Hall> as a manager\./);
      assert.match(mail!.parsed.text ?? '', /http:\/\/shop\.example\.test\/invitations\/abc\?x=1&y=2/);
      // Escaped in the HTML part.
      assert.match(String(mail!.parsed.html), /Blue Note &lt;Hall&gt;/);
      assert.match(String(mail!.parsed.html), /href="http:\/\/shop\.example\.test\/invitations\/abc\?x=1&amp;y=2"/);
      assert.match(mail!.parsed.messageId ?? '', /^<organization_invitation\.[0-9a-f-]{36}@/);
      // Nothing else arrives (the rolled-back reset never existed).
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(platform.smtp.to(to).length, 1);
    });
  });
}
