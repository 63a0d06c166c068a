// Test helpers: read back the ticket codes a confirmation email carries, as a person's phone at
// the gate would (the QR code images), not from the text next to them.
import jsQRModule from 'jsqr';
import { PDFDocument, PDFName, PDFNumber, PDFRawStream, decodePDFRawStream } from 'pdf-lib';

// jsqr is CommonJS: under NodeNext its default import is module.exports, whose `default` is the function.
const jsQR = jsQRModule.default;

/** Decodes every QR code image of a PDF (8-bit RGB or gray image XObjects, as pdf-lib embeds PNGs), in object order. */
export async function qrCodesInPdf(pdf: Uint8Array): Promise<string[]> {
  const doc = await PDFDocument.load(pdf);
  const codes: string[] = [];
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    if (!(obj instanceof PDFRawStream) || obj.dict.get(PDFName.of('Subtype')) !== PDFName.of('Image')) continue;
    const width = (obj.dict.get(PDFName.of('Width')) as PDFNumber).asNumber();
    const height = (obj.dict.get(PDFName.of('Height')) as PDFNumber).asNumber();
    const pixels = decodePDFRawStream(obj).decode();
    const channels = pixels.length / (width * height);
    if (channels !== 1 && channels !== 3) continue;
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let i = 0; i < width * height; i++) {
      for (let c = 0; c < 3; c++) rgba[i * 4 + c] = pixels[i * channels + (channels === 3 ? c : 0)]!;
      rgba[i * 4 + 3] = 255;
    }
    const found = jsQR(rgba, width, height);
    if (found) codes.push(found.data);
  }
  return codes;
}

/** The ticket codes in the PDF attached to a received email (a mailparser ParsedMail, as the test SMTP server keeps it). */
export async function ticketCodesInMail(mail: { attachments: readonly { contentType: string; content: Buffer }[] }): Promise<string[]> {
  const pdf = mail.attachments.find((a) => a.contentType === 'application/pdf');
  if (!pdf)
    throw new Error(`the email has no PDF attachment (attachments: ${mail.attachments.map((a) => a.contentType).join(', ') || 'none'})`);
  return qrCodesInPdf(pdf.content);
}
