export interface MailAddress {
  address: string;
  /** Display name, e.g. `Ticketing`. */
  name?: string | undefined;
}

/** A file sent with a message; with `cid` it is an inline part the HTML shows (`<img src="cid:…">`). */
export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
  cid?: string | undefined;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /**
   * A stable Message-ID (`<local@domain>`) for this message. Sending the same logical message
   * twice with the same id lets receiving mail systems recognise the copy.
   */
  messageId?: string | undefined;
  /** Extra headers (e.g. `X-Booking-Id`). */
  headers?: Record<string, string> | undefined;
  attachments?: readonly MailAttachment[] | undefined;
}

export interface SentMail {
  /** The Message-ID header of the message that was handed over. */
  messageId: string;
}

/** The mail port: one adapter sends over SMTP, another writes files (embedded profile). */
export interface Mailer {
  /**
   * Hands one message over. Rejects with a MailTransientError (worth retrying: the server said
   * 4xx, or could not be reached) or a MailPermanentError (the server refused this message for good).
   */
  send(message: MailMessage): Promise<SentMail>;
  /** Resolves when the transport is usable (SMTP: connects and greets; file: directory writable). */
  verify(): Promise<void>;
  close(): Promise<void>;
}
