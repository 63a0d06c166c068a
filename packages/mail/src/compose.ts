import type { MailAddress, MailMessage } from './types.ts';

/** The nodemailer message for a MailMessage; both adapters send exactly this. */
export function toNodemailerMessage(from: MailAddress, message: MailMessage) {
  return {
    from: from.name ? { name: from.name, address: from.address } : from.address,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    headers: message.headers,
    ...(message.attachments?.length
      ? {
          attachments: message.attachments.map((a) => ({
            filename: a.filename,
            content: a.content,
            contentType: a.contentType,
            ...(a.cid ? { cid: a.cid } : {}),
          })),
        }
      : {}),
  };
}
