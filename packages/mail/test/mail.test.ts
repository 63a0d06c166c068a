import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { createFileMailer, createSmtpMailer, MailPermanentError, MailTransientError, type Mailer } from '../src/index.ts';
import { startTestSmtpServer, type TestSmtpServer } from '../src/testing.ts';

describe('SMTP mailer (real SMTP server)', () => {
  let smtp: TestSmtpServer;
  let mailer: Mailer;

  before(async () => {
    smtp = await startTestSmtpServer({
      onRcptTo: (address, attempt) => {
        if (address.startsWith('greylisted') && attempt === 1) return { code: 451, message: '4.7.1 Try again later' };
        if (address.startsWith('nobody')) return { code: 550, message: '5.1.1 Mailbox unavailable' };
        return undefined;
      },
    });
    mailer = createSmtpMailer({ host: smtp.host, port: smtp.port, from: { address: 'tickets@example.test', name: 'Ticketing' } });
  });
  after(async () => {
    await mailer.close();
    await smtp.close();
  });

  it('sends a message with a text and an HTML part, from the configured sender', async () => {
    const sent = await mailer.send({
      to: 'ada@example.test',
      subject: 'Hello ✓',
      text: 'plain body',
      html: '<p>html body</p>',
      messageId: '<test-1@ticketing.local>',
      headers: { 'X-Booking-Id': 'b-1' },
    });
    assert.equal(sent.messageId, '<test-1@ticketing.local>');
    const [mail] = await smtp.waitFor('ada@example.test');
    assert.equal(mail!.parsed.subject, 'Hello ✓');
    assert.equal(mail!.parsed.text?.trim(), 'plain body');
    assert.equal(mail!.parsed.html, '<p>html body</p>');
    assert.equal(mail!.parsed.from?.value[0]?.address, 'tickets@example.test');
    assert.equal(mail!.parsed.from?.value[0]?.name, 'Ticketing');
    assert.equal(mail!.parsed.messageId, '<test-1@ticketing.local>');
    assert.equal(mail!.parsed.headers.get('x-booking-id'), 'b-1');
  });

  it('rejects with a transient error on 451, and the next attempt goes through', async () => {
    const to = 'greylisted@example.test';
    const first = await mailer.send({ to, subject: 's', text: 't', html: 'h' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(first instanceof MailTransientError, String(first));
    assert.equal(first.responseCode, 451);
    assert.equal(first.command, 'RCPT TO');
    await mailer.send({ to, subject: 's', text: 't', html: 'h' });
    assert.equal(smtp.to(to).length, 1);
  });

  it('rejects with a permanent error on 550', async () => {
    await assert.rejects(mailer.send({ to: 'nobody@example.test', subject: 's', text: 't', html: 'h' }), (err: unknown) => {
      assert.ok(err instanceof MailPermanentError);
      assert.equal(err.responseCode, 550);
      return true;
    });
  });

  it('rejects with a transient error when the server cannot be reached', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    const unreachable = createSmtpMailer({ host: '127.0.0.1', port, from: { address: 'tickets@example.test' }, connectionTimeoutMs: 2000 });
    try {
      await assert.rejects(unreachable.send({ to: 'ada@example.test', subject: 's', text: 't', html: 'h' }), MailTransientError);
      await assert.rejects(unreachable.verify(), MailTransientError);
    } finally {
      await unreachable.close();
    }
  });
});

describe('file mailer', () => {
  it('writes an .eml and a .json file per message', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mail-'));
    const lines: object[] = [];
    const mailer = createFileMailer({
      dir: path.join(dir, 'out'),
      from: { address: 'tickets@example.test', name: 'Ticketing' },
      logger: { info: (o) => void lines.push(o) },
    });
    try {
      await mailer.verify();
      const sent = await mailer.send({
        to: 'ada@example.test',
        subject: 'Booked',
        text: 'plain',
        html: '<b>html</b>',
        messageId: '<f-1@ticketing.local>',
      });
      assert.equal(sent.messageId, '<f-1@ticketing.local>');
      const files = (await readdir(path.join(dir, 'out'))).sort();
      assert.equal(files.length, 2);
      const eml = files.find((f) => f.endsWith('.eml'))!;
      const parsed = await simpleParser(await readFile(path.join(dir, 'out', eml)));
      assert.equal(parsed.subject, 'Booked');
      assert.equal(parsed.html, '<b>html</b>');
      assert.equal(parsed.text?.trim(), 'plain');
      const json = JSON.parse(
        await readFile(
          path.join(
            dir,
            'out',
            files.find((f) => f.endsWith('.json'))!,
          ),
          'utf8',
        ),
      );
      assert.equal(json.to, 'ada@example.test');
      assert.equal(json.message_id, '<f-1@ticketing.local>');
      assert.equal(lines.length, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
