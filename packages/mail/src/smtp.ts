import nodemailer from 'nodemailer';
import { withSpan } from '@ticketing/telemetry';
import { toMailError } from './errors.ts';
import { toNodemailerMessage } from './compose.ts';
import type { MailAddress, Mailer, MailMessage, SentMail } from './types.ts';

export interface SmtpMailerOptions {
  host: string;
  port: number;
  /** Implicit TLS from the first byte (port 465). When false, STARTTLS is used if offered. @defaultValue false */
  secure?: boolean;
  /** Refuse to send unless the session is upgraded with STARTTLS. @defaultValue false */
  requireTls?: boolean;
  /** Verify the server certificate. @defaultValue true */
  rejectUnauthorized?: boolean;
  /** Leave empty for servers without authentication. */
  user?: string | undefined;
  password?: string | undefined;
  from: MailAddress;
  /** Keep connections open and reuse them. @defaultValue true */
  pool?: boolean;
  /** @defaultValue 5 */
  maxConnections?: number;
  /** Messages per pooled connection before it is replaced. @defaultValue 100 */
  maxMessages?: number;
  /** @defaultValue 10000 */
  connectionTimeoutMs?: number;
  /** @defaultValue 10000 */
  greetingTimeoutMs?: number;
  /** Inactivity allowed on an open connection. @defaultValue 30000 */
  socketTimeoutMs?: number;
  /** @defaultValue 10000 */
  dnsTimeoutMs?: number;
  /** Name announced in EHLO; the machine's host name when absent. */
  clientName?: string | undefined;
}

/**
 * The SMTP adapter of the mail port (nodemailer, pooled by default). Every failure is rejected as
 * a MailTransientError or MailPermanentError, classified by reply code and error code.
 */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const auth = options.user ? { user: options.user, pass: options.password ?? '' } : undefined;
  const common = {
    host: options.host,
    port: options.port,
    secure: options.secure ?? false,
    requireTLS: options.requireTls ?? false,
    tls: { rejectUnauthorized: options.rejectUnauthorized ?? true },
    auth,
    name: options.clientName,
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    greetingTimeout: options.greetingTimeoutMs ?? 10_000,
    socketTimeout: options.socketTimeoutMs ?? 30_000,
    dnsTimeout: options.dnsTimeoutMs ?? 10_000,
    // Messages are retried by the caller with its own backoff; a pooled connection that drops
    // mid-send is still requeued on a fresh one a couple of times (stale idle connections).
    maxRequeues: 2,
    logger: false,
  };
  const transport =
    options.pool === false
      ? nodemailer.createTransport(common)
      : nodemailer.createTransport({
          ...common,
          pool: true as const,
          maxConnections: options.maxConnections ?? 5,
          maxMessages: options.maxMessages ?? 100,
        });

  return {
    async send(message: MailMessage): Promise<SentMail> {
      // nodemailer talks raw sockets, which no instrumentation sees: the send gets its own span.
      return withSpan(
        'smtp send',
        { kind: 'client', attributes: { 'server.address': options.host, 'server.port': options.port } },
        async () => {
          try {
            const info = await transport.sendMail(toNodemailerMessage(options.from, message));
            return { messageId: String(info.messageId ?? message.messageId ?? '') };
          } catch (err) {
            throw toMailError(err);
          }
        },
      );
    },
    async verify() {
      try {
        await transport.verify();
      } catch (err) {
        throw toMailError(err);
      }
    },
    async close() {
      transport.close();
    },
  };
}
