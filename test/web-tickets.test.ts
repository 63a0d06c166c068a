// The buyer's tickets in a real browser, against the real services through the web edge (the
// style of web-browser.test.ts): a buyer pays for seats, sees the tickets' QR codes appear on the
// booking page once it is confirmed, and finds them again under "My tickets". The QR code drawn
// in the page is read back (jsqr) and must be the ticket's signed code.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import jsQRModule from 'jsqr';
import type { Page } from 'playwright-core';
import { apiEvent, apiUser, expectAccessible, logIn, openEvent, pickSeats, screenshot, useBrowserPlatform } from './web/platform.ts';

const jsQR = jsQRModule.default;
const { platform, newPage } = useBrowserPlatform();

/** What a scanner reads from a QR code on screen (found by its label): the SVG drawn on a canvas, its pixels decoded. */
async function scan(page: Page, label: string): Promise<string | undefined> {
  // A string, not a function: the tests' TypeScript has no DOM types.
  const image = await page.evaluate<{ width: number; height: number; data: number[] }>(`(async () => {
    const svg = document.querySelector('svg[aria-label=${JSON.stringify(label)}]');
    const box = svg.getBoundingClientRect();
    const img = new Image();
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(new XMLSerializer().serializeToString(svg));
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(box.width * 4);
    canvas.height = Math.round(box.height * 4);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return { width: canvas.width, height: canvas.height, data: Array.from(ctx.getImageData(0, 0, canvas.width, canvas.height).data) };
  })()`);
  return jsQR(Uint8ClampedArray.from(image.data), image.width, image.height)?.data;
}

describe('my tickets', () => {
  it('a buyer pays for two seats, sees their QR codes once the booking is confirmed, and finds them under My tickets', async () => {
    const organizer = await apiUser(platform, 'Olga', 'Organizer');
    const event = await apiEvent(platform, organizer.token);
    const buyer = await apiUser(platform, 'Tia', 'Ticket');
    const page = await newPage();
    await logIn(page, buyer);

    await openEvent(page, event.event_id);
    await pickSeats(page, ['B1', 'B2']);
    await page.getByRole('button', { name: 'Hold 2 seats' }).click();
    await page.getByRole('heading', { name: 'Checkout' }).waitFor();
    await page.getByRole('radio', { name: /Test card/ }).check();
    await page.getByRole('button', { name: /^Pay/ }).click();
    await page.getByRole('status').filter({ hasText: 'Confirmed!' }).waitFor({ timeout: 30_000 });

    // The booking page shows the tickets as soon as the confirmation arrives (no reload).
    await page.getByRole('heading', { name: 'Your tickets' }).waitFor();
    const qr = page.getByRole('img', { name: 'QR code of the ticket for seat B1' });
    await qr.waitFor();
    const bookingId = page.url().split('/bookings/')[1]!;
    const tickets = await platform.api('GET', `/api/bookings/${bookingId}/tickets`, { token: buyer.token });
    assert.equal(tickets.status, 200, tickets.text);
    const b1 = tickets.body.tickets.find((t: { seat: string }) => t.seat === 'B1');
    assert.equal(await scan(page, 'QR code of the ticket for seat B1'), b1.code, 'the QR code on screen is the ticket’s signed code');
    await expectAccessible(page, 'booking page with tickets');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My tickets' }).click();
    await page.getByRole('heading', { name: 'My tickets' }).waitFor();
    const card = page.getByRole('article', { name: 'Ticket for seat B2' });
    await card.getByRole('link', { name: event.name }).waitFor();
    await card.getByText('valid').waitFor();
    const b2 = tickets.body.tickets.find((t: { seat: string }) => t.seat === 'B2');
    await card.getByRole('img', { name: 'QR code of the ticket for seat B2' }).waitFor();
    assert.equal(await scan(page, 'QR code of the ticket for seat B2'), b2.code);
    await expectAccessible(page, 'my tickets');
    await screenshot(page, 'my-tickets');
  });
});
