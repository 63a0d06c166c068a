import { randomUUID } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { MailTransientError } from './errors.ts';
import { toNodemailerMessage } from './compose.ts';
import type { MailAddress, Mailer, MailMessage, SentMail } from './types.ts';
import { messageOf } from '@ticketing/errors';

export interface FileMailerOptions {
  /** Directory the messages are written to (created when missing), e.g. `./data/mail`. */
  dir: string;
  from: MailAddress;
  logger?: { info: (obj: object, msg: string) => void };
}

/**
 * The file adapter of the mail port (embedded profile): each message becomes `<time>-<id>.eml`
 * (the exact RFC 5322 message, openable in any mail client) and a `.json` twin with the parts,
 * and one log line. File system errors are transient.
 */
export function createFileMailer(options: FileMailerOptions): Mailer {
  const composer = nodemailer.createTransport({ streamTransport: true as const, buffer: true, newline: 'unix' });
  let ready: Promise<unknown> | undefined;
  const ensureDir = () => (ready ??= mkdir(options.dir, { recursive: true }));

  return {
    async send(message: MailMessage): Promise<SentMail> {
      try {
        await ensureDir();
        const info = await composer.sendMail(toNodemailerMessage(options.from, message));
        const messageId = String(info.messageId ?? message.messageId ?? '');
        const base = `${new Date().toISOString().replaceAll(':', '-')}-${randomUUID().slice(0, 8)}`;
        const eml = path.join(options.dir, `${base}.eml`);
        await writeFile(eml, info.message as Buffer);
        await writeFile(
          path.join(options.dir, `${base}.json`),
          JSON.stringify(
            {
              message_id: messageId,
              from: options.from,
              to: message.to,
              subject: message.subject,
              text: message.text,
              html: message.html,
              headers: message.headers ?? {},
              // The files themselves are in the .eml.
              attachments: (message.attachments ?? []).map((a) => ({
                filename: a.filename,
                content_type: a.contentType,
                bytes: a.content.length,
              })),
            },
            null,
            2,
          ),
        );
        options.logger?.info({ to: message.to, subject: message.subject, file: eml }, 'mail written to file');
        return { messageId };
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        throw new MailTransientError(
          `mail not written: ${messageOf(err)}`,
          { code: typeof code === 'string' ? code : undefined, responseCode: undefined, command: undefined },
          { cause: err },
        );
      }
    },
    async verify() {
      await ensureDir();
      await access(options.dir, constants.W_OK);
    },
    async close() {},
  };
}
