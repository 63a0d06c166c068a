import { connect, type AddressInfo, type Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

/** A reply that refuses a command, e.g. `{ code: 451, message: 'try again later' }`. */
export interface SmtpReply {
  code: number;
  message: string;
}

export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  parsed: ParsedMail;
  raw: Buffer;
}

export interface TestSmtpServerOptions {
  /** Decides each RCPT TO; `attempt` counts the RCPT TO commands seen for that address (1 on the first). */
  onRcptTo?: (address: string, attempt: number) => SmtpReply | undefined;
  /** Decides each message after its DATA is received; `attempt` counts messages seen for the first recipient. */
  onData?: (recipients: string[], attempt: number) => SmtpReply | undefined;
  /** Milliseconds to wait before answering a message's DATA (a slow server). */
  dataDelayMs?: (recipients: string[]) => number;
}

function refuse(reply: SmtpReply): Error {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

/**
 * A real SMTP server (smtp-server) on a random local port for tests: no TLS, no authentication,
 * every accepted message parsed with mailparser and kept in `received`.
 */
export async function startTestSmtpServer(options: TestSmtpServerOptions = {}) {
  const received: ReceivedMail[] = [];
  // Recipients of every message whose DATA began, accepted or not.
  const started: string[][] = [];
  const rcptAttempts = new Map<string, number>();
  const dataAttempts = new Map<string, number>();
  const count = (map: Map<string, number>, key: string) => {
    const n = (map.get(key) ?? 0) + 1;
    map.set(key, n);
    return n;
  };

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const reply = options.onRcptTo?.(address.address, count(rcptAttempts, address.address.toLowerCase()));
      callback(reply ? refuse(reply) : null);
    },
    onData(stream, session, callback) {
      started.push(session.envelope.rcptTo.map((r) => r.address.toLowerCase()));
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      // The client went away mid-message: nothing was accepted.
      stream.on('error', () => undefined);
      stream.on('end', async () => {
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        const delay = options.dataDelayMs?.(recipients) ?? 0;
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        const reply = options.onData?.(recipients, count(dataAttempts, (recipients[0] ?? '').toLowerCase()));
        if (reply) return callback(refuse(reply));
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            const from = session.envelope.mailFrom;
            received.push({ envelopeFrom: from ? from.address : '', envelopeTo: recipients, parsed, raw });
            callback(null);
          },
          (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
        );
      });
    },
  });
  // Client connection errors (a reset, even mid-transaction) are re-emitted on the server; with
  // no listener they would end the test process.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    received,
    /** Messages delivered to `address` (envelope recipient, case-insensitive). */
    to(address: string): ReceivedMail[] {
      const a = address.toLowerCase();
      return received.filter((m) => m.envelopeTo.some((t) => t.toLowerCase() === a));
    },
    /** How many messages to `address` began their DATA (including ones still being received). */
    dataStarted(address: string): number {
      const a = address.toLowerCase();
      return started.filter((rcpts) => rcpts.includes(a)).length;
    },
    /** Resolves with the messages to `address` once there are at least `n` of them. */
    async waitFor(address: string, n = 1, timeoutMs = 30_000): Promise<ReceivedMail[]> {
      const started = Date.now();
      for (;;) {
        const got = this.to(address);
        if (got.length >= n) return got;
        if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${n} message(s) to ${address} (got ${got.length})`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close(): Promise<void> {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type TestSmtpServer = Awaited<ReturnType<typeof startTestSmtpServer>>;

/**
 * Opens an SMTP session, starts a message (MAIL FROM, RCPT TO, DATA, part of the body) and then
 * resets the TCP connection (RST): a client dying in the middle of a mail transaction.
 */
export async function resetMidData(host: string, port: number): Promise<void> {
  const socket: Socket = connect(port, host);
  socket.setEncoding('utf8');
  let buffer = '';
  const waiters: ((line: string) => void)[] = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\r\n');
    buffer = lines.pop() ?? '';
    // A reply ends with the line whose code is followed by a space ("250 OK"), not a dash.
    for (const line of lines) if (/^\d{3} /.test(line)) waiters.shift()?.(line);
  });
  const failed = new Promise<never>((_, reject) => socket.once('error', reject));
  failed.catch(() => undefined);
  const reply = (command?: string) => {
    const next = new Promise<string>((resolve) => waiters.push(resolve));
    if (command !== undefined) socket.write(`${command}\r\n`);
    return Promise.race([next, failed]);
  };
  const expect = async (code: string, command?: string) => {
    const line = await reply(command);
    if (!line.startsWith(code)) throw new Error(`expected ${code} to ${command ?? 'greeting'}, got ${line.trim()}`);
  };
  await expect('220');
  await expect('250', 'EHLO reset.test');
  await expect('250', 'MAIL FROM:<sender@example.test>');
  await expect('250', 'RCPT TO:<reset@example.test>');
  await expect('354', 'DATA');
  socket.write('Subject: cut short\r\n\r\nThe first half of a message');
  await new Promise((resolve) => setTimeout(resolve, 50));
  socket.resetAndDestroy();
}
