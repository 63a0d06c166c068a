// The scanner page in a real browser (headless Chromium has no camera: manual entry), against
// the real services through the web edge: a buyer's ticket is admitted once, then answered
// "already used"; the box office's attendance counts it live.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { testInfra } from '@ticketing/testing';
import {
  apiEvent,
  apiHold,
  apiPay,
  apiUser,
  expectAccessible,
  logIn,
  screenshot,
  useBrowserPlatform,
  viewports,
  waitForConfirmed,
} from './web/platform.ts';

const { platform, newPage } = useBrowserPlatform();

/** A buyer books `seat` through the API and waits for the confirmation; returns the booking id. */
async function bookSeat(eventId: string, seat: string): Promise<string> {
  const buyer = await apiUser(platform, 'Tess', 'Ticket');
  const id = await apiPay(platform, buyer.token, await apiHold(platform, buyer.token, eventId, [seat]));
  await waitForConfirmed(platform, buyer.token, id);
  return id;
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
    const office = await newPage();
    await logIn(office, organizer);
    await office.goto(`/box-office/events/${event.event_id}`);
    const attendance = office.getByRole('region', { name: 'Check-in' });
    await attendance.getByText('● Live').waitFor();
    await attendance.getByTestId('admitted').getByText('0').waitFor();
    await attendance.getByTestId('tickets-sold').getByText('1').waitFor();

    const phone = await newPage(viewports.phone);
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
    await expectAccessible(phone, 'scanner page');
    await screenshot(phone, 'scanner-valid');

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
    await expectAccessible(office, 'box office');
  });
});
