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

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      count += 1;
      const file = path.join(dir, `${Date.now()}-${count}.eml`);
      writeFileSync(file, Buffer.concat(chunks));
      const to = session.envelope.rcptTo.map((r) => r.address).join(', ');
      console.log(JSON.stringify({ level: 'info', service: 'smtp-sink', to, file, msg: 'mail received' }));
      callback();
    });
  },
});
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ level: 'info', service: 'smtp-sink', port, dir, msg: 'listening' })));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
