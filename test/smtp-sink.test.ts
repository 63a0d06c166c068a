// The development mail sink (scripts/smtp-sink.ts) and the tests' SMTP server survive a client
// that resets its connection in the middle of a mail transaction, and keep accepting mail.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSmtpMailer } from '@ticketing/mail';
import { resetMidData, startTestSmtpServer } from '@ticketing/mail/testing';

const root = path.resolve(import.meta.dirname, '..');
const PORT = Number(process.env.SMTP_SINK_TEST_PORT ?? 15420);

async function sendOne(port: number, to: string): Promise<void> {
  const mailer = createSmtpMailer({ host: '127.0.0.1', port, pool: false, from: { address: 'sender@example.test', name: 'Sender' } });
  try {
    await mailer.send({ to, subject: 'after the reset', text: 'still here', html: '<p>still here</p>' });
  } finally {
    await mailer.close();
  }
}

describe('scripts/smtp-sink.ts', () => {
  let sink: ChildProcess;
  let output = '';
  const dir = mkdtempSync(path.join(tmpdir(), 'smtp-sink-'));

  before(async () => {
    sink = spawn(process.execPath, ['scripts/smtp-sink.ts'], {
      cwd: root,
      env: { ...process.env, SMTP_SINK_PORT: String(PORT), SMTP_SINK_DIR: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    sink.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    sink.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    for (let i = 0; i < 200 && !output.includes('listening'); i++) await sleep(50);
    assert.match(output, /listening/, output);
  });

  after(() => {
    sink.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps running and accepting mail after a client resets mid-DATA', async () => {
    await resetMidData('127.0.0.1', PORT);
    await resetMidData('127.0.0.1', PORT);
    await sleep(200);
    assert.equal(sink.exitCode, null, `the sink exited:\n${output}`);
    await sendOne(PORT, 'after@example.test');
    const files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
    assert.equal(files.length, 1, 'only the complete message was written');
  });
});

describe('startTestSmtpServer', () => {
  it('keeps running and accepting mail after a client resets mid-DATA', async () => {
    const server = await startTestSmtpServer();
    try {
      await resetMidData(server.host, server.port);
      await sleep(100);
      await sendOne(server.port, 'after@example.test');
      assert.equal(server.to('after@example.test').length, 1);
      assert.equal(server.to('reset@example.test').length, 0, 'the abandoned message was not accepted');
    } finally {
      await server.close();
    }
  });
});
