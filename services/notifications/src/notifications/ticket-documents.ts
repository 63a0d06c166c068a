import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import QRCode from 'qrcode';
import type { MailAttachment } from '@ticketing/mail';
import type { BookingDetails, TicketDetails } from './notification-message.ts';

/** The QR code of a ticket code, as PNG (margin 4 modules: what scanners expect around a code). */
export function ticketQrPng(code: string): Promise<Buffer> {
  return QRCode.toBuffer(code, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 6 });
}

/** The inline image's Content-ID of a ticket (the HTML shows it as `cid:` + this). */
export const ticketImageCid = (t: TicketDetails) => `ticket-${t.ticketId}@tickets`;

// The standard PDF fonts speak WinAnsi only: other characters (an event name in another script)
// print as '?' rather than fail the email. The buyer still has the HTML part and the web app.
const printable = (text: string) => text.replace(/[^\u0020-\u007e\u00a0-\u00ff]/g, '?');

function drawLines(page: PDFPage, font: PDFFont, lines: [string, number][], x: number, top: number): number {
  let y = top;
  for (const [text, size] of lines) {
    y -= size * 1.5;
    page.drawText(printable(text), { x, y, size, font, color: rgb(0.1, 0.1, 0.1), maxWidth: page.getWidth() - 2 * x });
  }
  return y;
}

/** One A5 page per ticket: the event, the seat, the QR code and the booking (pdf-lib). */
export async function ticketsPdf(booking: BookingDetails, formatDate: (d: Date) => string): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.setTitle(printable(`Tickets: ${booking.eventName}`));
  doc.setCreator('ticketing');
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  for (const ticket of booking.tickets) {
    const page = doc.addPage([420, 595]);
    const margin = 36;
    let y = drawLines(page, bold, [[booking.eventName, 18]], margin, page.getHeight() - margin);
    y = drawLines(
      page,
      regular,
      [
        [booking.venue, 12],
        [formatDate(booking.eventDate), 12],
      ],
      margin,
      y,
    );
    y = drawLines(page, bold, [[`Seat ${ticket.seat}`, 16]], margin, y - 8);
    const qr = await doc.embedPng(await ticketQrPng(ticket.code));
    const size = 260;
    page.drawImage(qr, { x: (page.getWidth() - size) / 2, y: y - 16 - size, width: size, height: size });
    drawLines(
      page,
      regular,
      [
        [`Ticket ${ticket.ticketId}`, 8],
        [`Booking ${booking.bookingId}`, 8],
        [booking.userName ? `Issued to ${booking.userName}` : '', 8],
      ],
      margin,
      y - 24 - size,
    );
  }
  return Buffer.from(await doc.save());
}

/** The attachments of a confirmation email with tickets: each QR code inline, and the PDF. */
export async function ticketAttachments(booking: BookingDetails, formatDate: (d: Date) => string): Promise<MailAttachment[]> {
  if (booking.tickets.length === 0) return [];
  const images = await Promise.all(
    booking.tickets.map(async (t) => ({
      filename: `ticket-${t.seat.replace(/[^A-Za-z0-9_-]/g, '_')}.png`,
      content: await ticketQrPng(t.code),
      contentType: 'image/png',
      cid: ticketImageCid(t),
    })),
  );
  return [...images, { filename: 'tickets.pdf', content: await ticketsPdf(booking, formatDate), contentType: 'application/pdf' }];
}
