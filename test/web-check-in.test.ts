// The scanner page in a real browser (headless Chromium has no camera: manual entry), against
// the real services through the web edge: a buyer's ticket is admitted once, then answered
// "already used"; the box office's attendance counts it live. Offline (context.setOffline), the
// page decides on the device, queues the admissions and uploads them when the network is back.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import type { BrowserContext } from 'playwright-core';
import { testInfra } from '@ticketing/testing';
import { defaultStaticDir } from '@ticketing/web-service';
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
const workerFile = path.join(defaultStaticDir, 'scanner-sw.js');

/**
 * Cuts a phone off the network, and back. Besides the browser's offline mode, the page's calls to
 * the API are refused at the context's routes: in one CI run the queue of a page reloaded offline
 * reached the server, an upload that Chromium's emulation let through before it applied to the new
 * document. A phone without network cannot do that, so the test must not either.
 */
async function setNetwork(context: BrowserContext, online: boolean): Promise<void> {
  if (online) {
    await context.unroute(API_ROUTES);
    await context.setOffline(false);
  } else {
    await context.setOffline(true);
    await context.route(API_ROUTES, (route) => route.abort('internetdisconnected'));
  }
}
const API_ROUTES = '**/api/**';

/** A buyer books `seat` through the API and waits for the confirmation; returns the booking id. */
async function bookSeat(eventId: string, seat: string): Promise<string> {
  const buyer = await apiUser(platform, 'Tess', 'Ticket');
  const id = await apiPay(platform, buyer.token, await apiHold(platform, buyer.token, eventId, [seat]));
  await waitForConfirmed(platform, buyer.token, id);
  return id;
}

/** The ticket's code as its QR code carries it (read where the booking service keeps it). */
async function ticketCode(bookingId: string): Promise<string> {
  const rows = await query<{ code: string }>('SELECT code FROM bookings.tickets WHERE booking_id = $1', [bookingId]);
  assert.equal(rows.length, 1);
  return rows[0]!.code;
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

describe('the scanner page offline', () => {
  it('a gate that loses the network checks tickets on the device, queues them, and uploads them when it is back', async () => {
    const organizer = await apiUser(platform, 'Olga', 'Offline');
    const event = await apiEvent(platform, organizer.token);
    const first = await ticketCode(await bookSeat(event.event_id, 'A1'));
    const second = await ticketCode(await bookSeat(event.event_id, 'A2'));

    const phone = await newPage(viewports.phone);
    await logIn(phone, organizer);
    await phone.goto(`/box-office/events/${event.event_id}/scan`);
    const connection = phone.getByRole('status', { name: 'Connection' });
    // Online, the page fetched the ticket keys: it can decide without the network.
    await connection.getByText('Ready to check tickets offline if the network goes.').waitFor();
    await phone.getByRole('textbox', { name: 'Gate' }).fill('North');
    const codeInput = phone.getByRole('textbox', { name: 'Ticket code' });
    const result = phone.getByRole('status', { name: 'Scan result' });
    const scan = async (code: string) => {
      await codeInput.fill(code);
      await codeInput.press('Enter');
    };

    await setNetwork(phone.context(), false);
    await connection.getByText('Offline — 0 scans waiting', { exact: true }).waitFor();
    await scan(first);
    await result.getByText('Valid: admit', { exact: true }).waitFor();
    await result.getByText('Seat A1', { exact: true }).waitFor();
    await result.getByText('Checked on this device (offline)').waitFor();
    await connection.getByText('Offline — 1 scan waiting', { exact: true }).waitFor();

    // The same code again at this gate is refused on the device; an altered one fails its signature.
    await scan(first);
    await result.getByText('Already used', { exact: true }).waitFor();
    await result.getByText(/Admitted at gate North at/).waitFor();
    const flipped = first.at(-10) === 'A' ? 'B' : 'A';
    await scan(`${first.slice(0, -10)}${flipped}${first.slice(-9)}`);
    await result.getByText('Invalid ticket', { exact: true }).waitFor();
    await connection.getByText('Offline — 1 scan waiting', { exact: true }).waitFor();

    // Meanwhile another gate, online, lets the second ticket in; this gate cannot know and admits it too.
    const south = await platform.api('POST', `/api/events/${event.event_id}/check-ins`, {
      token: organizer.token,
      body: { code: second, gate: 'South' },
    });
    assert.equal(south.body.result, 'valid', south.text);
    await scan(second);
    await result.getByText('Seat A2', { exact: true }).waitFor();
    await result.getByText('Valid: admit', { exact: true }).waitFor();
    await connection.getByText('Offline — 2 scans waiting', { exact: true }).waitFor();
    await expectAccessible(phone, 'offline scanner');
    assert.equal((await checkIns(event.event_id)).length, 1, 'nothing of the offline gate reached the server yet');

    // Back online: the queue is uploaded and the reconciled answers shown; the refused one stays listed.
    await setNetwork(phone.context(), true);
    const uploaded = phone.getByRole('region', { name: 'Uploaded scans' });
    await uploaded.getByText('2 scans uploaded: 1 admitted, 1 not.').waitFor();
    const refused = phone.getByRole('region', { name: 'Refused offline scans' });
    await refused.getByText(/^Seat A2: already used — admitted at gate South at .+ before this gate let it in\.$/).waitFor();
    await connection.getByText('Online', { exact: true }).waitFor();
    await expectAccessible(phone, 'uploaded scans');
    await uploaded.scrollIntoViewIfNeeded();
    await screenshot(phone, 'scanner-offline-upload');

    // In SQL: A1's admission is the offline scan at North, A2's the online one at South; the
    // upload's two scans are in the scan log once each.
    assert.deepEqual(await checkIns(event.event_id), [
      { seat: 'A1', gate: 'North', source: 'offline' },
      { seat: 'A2', gate: 'South', source: 'online' },
    ]);
    const log = await query<{ result: string; source: string }>(
      `SELECT result, source FROM bookings.check_in_scans WHERE event_id = $1 AND gate = 'North' ORDER BY scanned_at`,
      [event.event_id],
    );
    assert.deepEqual(log, [
      { result: 'valid', source: 'offline' },
      { result: 'already_used', source: 'offline' },
    ]);
    const left = await phone.evaluate((id) => localStorage.getItem(`ticketing.checkin.pending.${id}`), event.event_id);
    assert.deepEqual(JSON.parse(left ?? '[]'), [], 'no scan left waiting on the device');

    // Online again, the server answers: the ticket was used.
    await scan(second);
    await result.getByText('Already used', { exact: true }).waitFor();
    await result.getByText(/Admitted at gate South at/).waitFor();
    assert.equal(await result.getByText('Checked on this device (offline)').count(), 0);
  });
});

describe('the scanner page without the network', () => {
  it('a door phone that opened the scanner once reopens it offline, keeps scanning, syncs, and discards the scans the server refused', async () => {
    const organizer = await apiUser(platform, 'Dora', 'Door');
    const event = await apiEvent(platform, organizer.token);
    const a1 = await ticketCode(await bookSeat(event.event_id, 'A1'));
    const a2 = await ticketCode(await bookSeat(event.event_id, 'A2'));
    const a3 = await ticketCode(await bookSeat(event.event_id, 'A3'));
    const a4Booking = await bookSeat(event.event_id, 'A4');
    const a4 = await ticketCode(a4Booking);
    const scanPage = `/box-office/events/${event.event_id}/scan`;

    const phone = await newPage(viewports.phone);
    const context = phone.context();
    await logIn(phone, organizer);
    // The cache of an older build on this device: the worker of this build deletes it.
    await phone.evaluate(`caches.open('ticketing-scanner-olderbuild0000').then(() => undefined)`);
    await phone.goto(scanPage);
    const connection = phone.getByRole('status', { name: 'Connection' });
    await connection.getByText('Ready to check tickets offline if the network goes.').waitFor();
    await connection.getByText('This page is saved on this device: it opens again without the network.').waitFor();
    const scannerCaches = async () => (await phone.evaluate<string[]>('caches.keys()')).filter((k) => k.startsWith('ticketing-scanner-'));
    for (let i = 0; i < 200 && (await scannerCaches()).length !== 1; i++) await new Promise((r) => setTimeout(r, 100));
    const [cacheName, ...others] = await scannerCaches();
    assert.deepEqual(others, [], 'one cache, of this build');
    assert.notEqual(cacheName, 'ticketing-scanner-olderbuild0000');
    // A new deploy changes the worker's bytes (its build hash is in it): the browser installs the
    // new worker when it checks, which takes over at once and deletes the cache of the build before.
    // Here the served worker is this build's with another hash, for a moment (no other test
    // opens a scanner page).
    const version = cacheName!.slice('ticketing-scanner-'.length);
    const script = readFileSync(workerFile, 'utf8');
    assert.ok(script.includes(version), 'the worker is named after its build');
    const next = version.replace(/./g, (c) => (c === 'f' ? '0' : 'f'));
    try {
      writeFileSync(workerFile, script.replaceAll(version, next));
      await phone.evaluate(`navigator.serviceWorker.getRegistration('/box-office/events/').then((r) => r.update())`);
      for (let i = 0; i < 200 && (await scannerCaches())[0] !== `ticketing-scanner-${next}`; i++)
        await new Promise((r) => setTimeout(r, 100));
    } finally {
      writeFileSync(workerFile, script);
    }
    assert.deepEqual(await scannerCaches(), [`ticketing-scanner-${next}`], 'the new build’s worker replaced the old one and its cache');
    await phone.getByRole('textbox', { name: 'Gate' }).fill('North');

    // Online, API answers come from the network, never from the worker.
    const [counters] = await Promise.all([
      phone.waitForResponse((r) => r.request().method() === 'GET' && r.url().endsWith(`/api/events/${event.event_id}/check-ins`)),
      phone.reload(),
    ]);
    assert.equal(counters.status(), 200);
    assert.equal(counters.fromServiceWorker(), false, 'the counters came from the service');

    await setNetwork(context, false);
    // The worker's own requests are cut off too: what opens the page now comes from its cache.
    const [worker] = context.serviceWorkers();
    assert.ok(worker, 'the scanner page installed its service worker');
    assert.equal(await worker.evaluate<string>(`fetch('/api/tickets/keys').then(() => 'reached', () => 'offline')`), 'offline');
    const reopened = await phone.reload();
    assert.equal(reopened?.fromServiceWorker(), true);
    // The event's name as the page last read it online.
    await phone.getByRole('heading', { name: `Check-in: ${event.name}` }).waitFor();
    await connection.getByText('Offline — 0 scans waiting', { exact: true }).waitFor();
    assert.equal(await phone.getByRole('textbox', { name: 'Gate' }).inputValue(), 'North');
    // Only the scanner opens without the network: the event's sales page does not (another tab).
    const tab = await context.newPage();
    await assert.rejects(tab.goto(`/box-office/events/${event.event_id}`), /ERR_INTERNET_DISCONNECTED/);
    await tab.close();

    const codeInput = phone.getByRole('textbox', { name: 'Ticket code' });
    const result = phone.getByRole('status', { name: 'Scan result' });
    const scan = async (code: string) => {
      await codeInput.fill(code);
      await codeInput.press('Enter');
    };
    await scan(a1);
    await result.getByText('Valid: admit', { exact: true }).waitFor();
    await result.getByText('Checked on this device (offline)').waitFor();
    const flipped = a1.at(-10) === 'A' ? 'B' : 'A';
    await scan(`${a1.slice(0, -10)}${flipped}${a1.slice(-9)}`);
    await result.getByText('Invalid ticket', { exact: true }).waitFor();
    // Meanwhile another gate, online, admits A2; this gate cannot know and admits it too.
    const south = await platform.api('POST', `/api/events/${event.event_id}/check-ins`, {
      token: organizer.token,
      body: { code: a2, gate: 'South' },
    });
    assert.equal(south.body.result, 'valid', south.text);
    await scan(a2);
    await result.getByText('Seat A2', { exact: true }).waitFor();
    await result.getByText('Valid: admit', { exact: true }).waitFor();
    // And the organizer refunds A4's booking, whose ticket this gate admits too.
    const refund = await platform.api('POST', `/api/booking/${a4Booking}/refund`, { token: organizer.token });
    assert.equal(refund.status, 200, refund.text);
    await scan(a4);
    await result.getByText('Seat A4', { exact: true }).waitFor();
    await connection.getByText('Offline — 3 scans waiting', { exact: true }).waitFor();
    // The queue survives another reload without the network.
    await phone.reload();
    await connection.getByText('Offline — 3 scans waiting', { exact: true }).waitFor();
    assert.deepEqual(await checkIns(event.event_id), [{ seat: 'A2', gate: 'South', source: 'online' }]);

    // Back online: the queue is synced; A2 (used at South first) and A4 (cancelled) are refused and stay listed.
    await setNetwork(context, true);
    await phone.getByRole('region', { name: 'Uploaded scans' }).getByText('3 scans uploaded: 1 admitted, 2 not.').waitFor();
    const refused = phone.getByRole('region', { name: 'Refused offline scans' });
    await refused.getByText(/^Seat A2: already used — admitted at gate South at .+ before this gate let it in\.$/).waitFor();
    await refused.getByText('Seat A4: the ticket was cancelled before the upload, and this gate let it in.').waitFor();
    await refused.getByRole('button', { name: 'Discard all 2 refused scans…' }).waitFor();
    await connection.getByText('Online', { exact: true }).waitFor();
    assert.deepEqual(await checkIns(event.event_id), [
      { seat: 'A1', gate: 'North', source: 'offline' },
      { seat: 'A2', gate: 'South', source: 'online' },
    ]);
    await expectAccessible(phone, 'refused scans');
    await refused.scrollIntoViewIfNeeded();
    await screenshot(phone, 'scanner-refused-scans');
    // "Discard all" asks first, with the focus on the answer; keeping them changes nothing.
    const focused = () => phone.evaluate<string | null | undefined>('document.activeElement?.textContent');
    await refused.getByRole('button', { name: 'Discard all 2 refused scans…' }).click();
    const confirmAll = refused.getByRole('group', { name: 'Confirm discarding all refused scans' });
    await confirmAll.getByText(/^Discard all 2 refused scans from this device\?/).waitFor();
    assert.equal(await focused(), 'Yes, discard all 2');
    await expectAccessible(phone, 'discard all, asked');
    await confirmAll.getByRole('button', { name: 'Keep them' }).click();
    await refused.getByRole('button', { name: 'Discard all 2 refused scans…' }).waitFor();
    assert.equal(await focused(), 'Discard all 2 refused scans…');
    assert.equal(await refused.getByText(/^Seat A[24]:/).count(), 2);

    // Offline again, A3 waits in the queue while the staff discard the refused scans, by keyboard:
    // after each discard the focus is on the next one's button, then on the list's heading.
    await setNetwork(context, false);
    await scan(a3);
    await connection.getByText('Offline — 1 scan waiting', { exact: true }).waitFor();
    await refused.getByRole('button', { name: 'Discard the refused scan of seat A2' }).focus();
    await phone.keyboard.press('Enter');
    await refused.getByText('Discarded 1 refused scan.').waitFor();
    assert.equal(await refused.getByText(/^Seat A2:/).count(), 0);
    assert.equal(
      await phone.evaluate<string | null | undefined>(`document.activeElement?.getAttribute('aria-label')`),
      'Discard the refused scan of seat A4',
    );
    await phone.keyboard.press('Enter');
    await refused.getByText('None left to look at.').waitFor();
    assert.equal(await phone.evaluate<string | undefined>('document.activeElement?.id'), 'refused-scans-heading');
    await connection.getByText('Offline — 1 scan waiting', { exact: true }).waitFor();
    const stored = async (what: string) =>
      JSON.parse(
        (await phone.evaluate<string | null>(`localStorage.getItem('ticketing.checkin.${what}.${event.event_id}')`)) ?? '[]',
      ) as unknown[];
    assert.deepEqual(await stored('refused'), []);
    assert.equal((await stored('pending')).length, 1, 'the queued A3 is left alone');
    await phone.reload();
    await connection.getByText('Offline — 1 scan waiting', { exact: true }).waitFor();
    assert.equal(await phone.getByRole('region', { name: 'Refused offline scans' }).count(), 0);

    await setNetwork(context, true);
    await phone.getByRole('region', { name: 'Uploaded scans' }).getByText('1 scan uploaded: 1 admitted, 0 not.').waitFor();
    await connection.getByText('Online', { exact: true }).waitFor();
    // Each ticket admits once (the cancelled A4 never): one admission per ticket row, one `valid`
    // answer per admitted ticket in the scan log.
    assert.deepEqual(await checkIns(event.event_id), [
      { seat: 'A1', gate: 'North', source: 'offline' },
      { seat: 'A2', gate: 'South', source: 'online' },
      { seat: 'A3', gate: 'North', source: 'offline' },
    ]);
    const admissions = await query<{ seat: string; valid: number; scans: number }>(
      `SELECT t.seat, count(*) FILTER (WHERE s.result = 'valid')::int AS valid, count(*)::int AS scans
         FROM bookings.check_in_scans s JOIN bookings.tickets t ON t.id = s.ticket_id
        WHERE s.event_id = $1 GROUP BY t.seat ORDER BY t.seat`,
      [event.event_id],
    );
    assert.deepEqual(admissions, [
      { seat: 'A1', valid: 1, scans: 1 },
      { seat: 'A2', valid: 1, scans: 2 },
      { seat: 'A3', valid: 1, scans: 1 },
      { seat: 'A4', valid: 0, scans: 1 },
    ]);
  });
});

async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: testInfra.databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The event's admitted tickets, as the booking service stored them. */
function checkIns(eventId: string) {
  return query<{ seat: string; gate: string; source: string }>(
    `SELECT seat, checked_in_gate AS gate, checked_in_source AS source
       FROM bookings.tickets WHERE event_id = $1 AND checked_in_at IS NOT NULL ORDER BY seat`,
    [eventId],
  );
}

describe('the check-in counters for a viewer', () => {
  it('a viewer of the organization sees the attendance in the box office, without the scanner', async () => {
    const owner = await apiUser(platform, 'Owen', 'Owner');
    const org = await platform.api('POST', '/api/organizations', { token: owner.token, body: { name: 'Door Org' } });
    assert.equal(org.status, 201, org.text);
    const orgId = org.body.organization_id as string;
    // A fresh token carries the new organization (the event service decides from it).
    const ownerToken = (await platform.api('POST', '/api/users/token', { token: owner.token })).body.access_token as string;
    const viewer = await apiUser(platform, 'Vera', 'Viewer');
    const invitation = await platform.api('POST', `/api/organizations/${orgId}/invitations`, {
      token: ownerToken,
      body: { email: viewer.email, role: 'viewer' },
    });
    assert.equal(invitation.status, 201, invitation.text);
    const accepted = await platform.api('POST', `/api/invitations/${invitation.body.invitation_id}/accept`, { token: viewer.token });
    assert.equal(accepted.status, 200, accepted.text);
    const event = await apiEvent(platform, ownerToken, { organization_id: orgId });
    const code = await ticketCode(await bookSeat(event.event_id, 'B2'));
    const scanned = await platform.api('POST', `/api/events/${event.event_id}/check-ins`, {
      token: ownerToken,
      body: { code, gate: 'East' },
    });
    assert.equal(scanned.body.result, 'valid', scanned.text);

    // Logging in gives the viewer a token with the membership.
    const page = await newPage();
    await logIn(page, viewer);
    await page.goto(`/box-office/events/${event.event_id}`);
    const attendance = page.getByRole('region', { name: 'Check-in' });
    await attendance.getByTestId('admitted').getByText('1').waitFor();
    await attendance.getByRole('row', { name: 'East 1 1 0' }).waitFor();
    assert.equal(await attendance.getByRole('link', { name: 'Open the scanner' }).count(), 0);
    await expectAccessible(page, 'box office as a viewer');

    await page.goto(`/box-office/events/${event.event_id}/scan`);
    await page.getByText('You may not check tickets in for this event.').waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'Ticket code' }).count(), 0);
  });
});
