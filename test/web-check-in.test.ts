// The scanner page in a real browser (headless Chromium has no camera: manual entry), against
// the real services through the web edge: a buyer's ticket is admitted once, then answered
// "already used"; the box office's attendance counts it live.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pg from 'pg';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { testInfra } from '@ticketing/testing';
import { apiEvent, apiUser, launchBrowser, screenshotDir, seriousA11yViolations, startPlatform, type Platform } from './web/platform.ts';

let platform: Platform;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(
  async () => {
    platform = await startPlatform();
    browser = await launchBrowser();
  },
  { timeout: 240_000 },
);

after(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await platform?.close();
});

async function newPage(viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport, baseURL: platform.url });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return page;
}

async function logIn(page: Page, user: { email: string; password: string }): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

/** A buyer books `seat` through the API and waits for the confirmation; returns the booking id. */
async function bookSeat(eventId: string, seat: string): Promise<string> {
  const buyer = await apiUser(platform, 'Tess', 'Ticket');
  const hold = await platform.api('POST', `/api/events/${eventId}/hold`, { token: buyer.token, body: { seat_numbers: [seat] } });
  assert.equal(hold.status, 201, hold.text);
  const booking = await platform.api('POST', '/api/booking', {
    token: buyer.token,
    body: { hold_id: hold.body.hold_id, payment_info: { payment_method: 'credit_card', amount: hold.body.total_price } },
  });
  assert.equal(booking.status, 202, booking.text);
  const id = booking.body.booking_id as string;
  for (let i = 0; i < 200; i++) {
    const status = await platform.api('GET', `/api/booking/${id}`, { token: buyer.token });
    if (status.body.status === 'confirmed') return id;
    assert.equal(status.body.status, 'processing', status.text);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the booking was not confirmed in time');
}

/** The ticket's code as its QR code carries it (read where the booking service keeps it). */
async function ticketCode(bookingId: string): Promise<string> {
  const client = new pg.Client({ connectionString: testInfra.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ code: string }>('SELECT code FROM bookings.tickets WHERE booking_id = $1', [bookingId]);
    assert.equal(rows.length, 1);
    return rows[0]!.code;
  } finally {
    await client.end();
  }
}

describe('the scanner page', () => {
  it('a gate at phone width admits a ticket typed in by hand, then says it was already used; the box office counts it', async () => {
    const organizer = await apiUser(platform, 'Gina', 'Gate');
    const event = await apiEvent(platform, organizer.token);
    const code = await ticketCode(await bookSeat(event.event_id, 'A3'));

    // The box office is open before the gate scans: its counters move live.
    const office = await newPage({ width: 1200, height: 900 });
    await logIn(office, organizer);
    await office.goto(`/box-office/events/${event.event_id}`);
    const attendance = office.getByRole('region', { name: 'Check-in' });
    await attendance.getByText('● Live').waitFor();
    await attendance.getByTestId('admitted').getByText('0').waitFor();
    await attendance.getByTestId('tickets-sold').getByText('1').waitFor();

    const phone = await newPage({ width: 390, height: 844 });
    await logIn(phone, organizer);
    await phone.goto(`/box-office/events/${event.event_id}/scan`);
    await phone.getByRole('heading', { name: `Check-in: ${event.name}` }).waitFor();
    // No camera in headless Chromium: the page says so and offers manual entry.
    const gate = phone.getByRole('textbox', { name: 'Gate' });
    await gate.fill('North');

    // Keyboard only: type the code and press Enter.
    const codeInput = phone.getByRole('textbox', { name: 'Ticket code' });
    await codeInput.fill(code);
    await codeInput.press('Enter');
    const result = phone.getByRole('status', { name: 'Scan result' });
    await result.getByText('Valid: admit', { exact: true }).waitFor();
    await result.getByText('Seat A3', { exact: true }).waitFor();
    await phone.getByTestId('gate-admitted').getByText('1').waitFor();
    assert.deepEqual(await seriousA11yViolations(phone), [], 'scanner page: accessibility violations');
    await phone.screenshot({ path: path.join(screenshotDir, 'scanner-valid.png') });

    // The input is cleared and focused for the next ticket.
    assert.equal(await codeInput.inputValue(), '');
    await phone.keyboard.type(code);
    await phone.keyboard.press('Enter');
    await result.getByText('Already used', { exact: true }).waitFor();
    await result.getByText(/Admitted at gate North at/).waitFor();

    const garbage = 'not-a-ticket';
    await codeInput.fill(garbage);
    await codeInput.press('Enter');
    await result.getByText('Invalid ticket', { exact: true }).waitFor();

    await attendance.getByTestId('admitted').getByText('1').waitFor();
    await attendance.getByRole('row', { name: 'North 1 3 2' }).waitFor();
    await attendance
      .getByRole('list', { name: 'Latest scans' })
      .getByText(/Gate North, seat A3: admitted/)
      .waitFor();
    assert.deepEqual(await seriousA11yViolations(office), [], 'box office: accessibility violations');
  });
});
