// A development SMTP server that accepts every message and writes it to a directory as .eml,
// so distributed mode works without a real mail server: `node scripts/smtp-sink.ts`.
// SMTP_SINK_PORT (default 2525), SMTP_SINK_DIR (default .run/mail).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

const port = Number(process.env.SMTP_SINK_PORT ?? 2525);
const dir = process.env.SMTP_SINK_DIR ?? '.run/mail';
mkdirSync(dir, { recursive: true });
let count = 0;

function log(level: 'info' | 'warn' | 'error', fields: Record<string, unknown>, msg: string): void {
  console.log(JSON.stringify({ level, service: 'smtp-sink', ...fields, msg }));
}

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    // The client went away mid-message: nothing was accepted, so nothing is written.
    stream.on('error', (err: Error) => log('warn', { err: err.message }, 'message abandoned by the client'));
    stream.on('end', () => {
      count += 1;
      const file = path.join(dir, `${Date.now()}-${count}.eml`);
      writeFileSync(file, Buffer.concat(chunks));
      const to = session.envelope.rcptTo.map((r) => r.address).join(', ');
      log('info', { to, file }, 'mail received');
      callback();
    });
  },
});
// A client resetting its connection (even in the middle of a mail transaction) is reported here;
// without a listener the 'error' event would end the process, and with it every later delivery.
server.on('error', (err: Error & { code?: string }) => log('warn', { err: err.message, code: err.code }, 'client connection error'));
// Failing to listen (the port is taken) is fatal, unlike a client's error: exit non-zero, loudly.
server.server.once('error', (err: Error) => {
  log('error', { err: err.message, port }, 'could not listen');
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => log('info', { port, dir }, 'listening'));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
