import { TransientError, UnrecoverableError } from '@ticketing/errors';

export type MailFailureKind = 'transient' | 'permanent';

export interface MailFailureInfo {
  kind: MailFailureKind;
  /** Nodemailer or system error code (`EENVELOPE`, `ECONNECTION`, `ECONNREFUSED`, …). */
  code: string | undefined;
  /** The SMTP reply code when the server answered (451, 550, …). */
  responseCode: number | undefined;
  /** The SMTP command that failed (`RCPT TO`, `DATA`, `CONN`, …). */
  command: string | undefined;
}

/** The server (or the network) failed in a way that may pass on a later attempt. */
export class MailTransientError extends TransientError {
  readonly code: string | undefined;
  readonly responseCode: number | undefined;
  readonly command: string | undefined;
  constructor(message: string, info: Omit<MailFailureInfo, 'kind'>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MailTransientError';
    this.code = info.code;
    this.responseCode = info.responseCode;
    this.command = info.command;
  }
}

/** The server refused this message for good (e.g. 550 mailbox unavailable): never retried. */
export class MailPermanentError extends UnrecoverableError {
  readonly code: string | undefined;
  readonly responseCode: number | undefined;
  readonly command: string | undefined;
  constructor(message: string, info: Omit<MailFailureInfo, 'kind'>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MailPermanentError';
    this.code = info.code;
    this.responseCode = info.responseCode;
    this.command = info.command;
  }
}

export type MailError = MailTransientError | MailPermanentError;

// Nodemailer codes for problems with the message itself (envelope, size, recipients): the same
// message fails the same way on every attempt.
const MESSAGE_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS']);
// Commands whose 5xx reply refuses this message (sender, recipient, content), not the session.
const MESSAGE_COMMANDS = new Set(['MAIL FROM', 'RCPT TO', 'DATA']);

/**
 * Decides whether a failed send is worth retrying, from the SMTP reply code, the failed command
 * and the error code only (never from the message text):
 * - a 4xx reply, or 503 (bad sequence: the session, not the message) → transient;
 * - a 5xx reply to MAIL FROM / RCPT TO / DATA → permanent (RFC 5321: the same message would be
 *   refused again);
 * - a 5xx reply while connecting or authenticating (554 greeting, 535 bad credentials) →
 *   transient: the server or our configuration is at fault, not this message, and an operator
 *   can fix it before the retries run out;
 * - an envelope or message error without a reply (no valid recipient, message too large) →
 *   permanent;
 * - network, DNS, TLS, timeout and unknown errors → transient.
 */
export function classifyMailError(err: unknown): MailFailureInfo {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; responseCode?: unknown; command?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const responseCode = typeof e.responseCode === 'number' && Number.isInteger(e.responseCode) ? e.responseCode : undefined;
  const command = typeof e.command === 'string' ? e.command : undefined;
  const info = { code, responseCode, command };
  if (responseCode !== undefined) {
    if (responseCode >= 500 && responseCode < 600 && responseCode !== 503) {
      const aboutMessage = (command !== undefined && MESSAGE_COMMANDS.has(command)) || (code !== undefined && MESSAGE_CODES.has(code));
      return { kind: aboutMessage ? 'permanent' : 'transient', ...info };
    }
    return { kind: 'transient', ...info };
  }
  if (code !== undefined && MESSAGE_CODES.has(code)) return { kind: 'permanent', ...info };
  return { kind: 'transient', ...info };
}

/** Wraps any send failure into a MailTransientError or MailPermanentError (kept as is when it already is one). */
export function toMailError(err: unknown): MailError {
  if (err instanceof MailTransientError || err instanceof MailPermanentError) return err;
  const info = classifyMailError(err);
  const { kind, ...rest } = info;
  const detail = [rest.command, rest.responseCode, rest.code].filter((x) => x !== undefined).join(' ');
  const base = err instanceof Error ? err.message : String(err);
  const message = `mail not sent${detail ? ` (${detail})` : ''}: ${base}`.slice(0, 1000);
  return kind === 'permanent'
    ? new MailPermanentError(message, rest, { cause: err })
    : new MailTransientError(message, rest, { cause: err });
}
