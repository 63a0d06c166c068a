// Cancellations and refunds in a real browser, against the real services through the web edge
// (docs/refunds.md): a buyer cancels some seats of a booking, then the rest, and watches the
// refund; another visitor's seat map shows the seats free again, live. An organizer refunds a
// booking from the box office (a second try is told it was already refunded) and sets the
// event's cancellation policy.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  apiEvent,
  apiHold,
  apiPay,
  apiUser,
  expectAccessible,
  logIn,
  openEvent,
  screenshot,
  useBrowserPlatform,
  waitForConfirmed,
} from './web/platform.ts';

const { platform, newPage } = useBrowserPlatform();

/** The buyer books `seats` through the API and waits for the confirmation; returns the booking id. */
async function book(buyer: { token: string }, eventId: string, seats: string[]): Promise<string> {
  const bookingId = await apiPay(platform, buyer.token, await apiHold(platform, buyer.token, eventId, seats));
  await waitForConfirmed(platform, buyer.token, bookingId);
  return bookingId;
}

describe('a buyer cancels seats', () => {
  it('sees the fee and the refund before confirming, cancels two seats then the rest, and the seats turn free on the live map', async () => {
    const organizer = await apiUser(platform, 'Olga', 'Organizer');
    const event = await apiEvent(platform, organizer.token, { cancellation_policy: { hours_before_start: 24, fee_percent: 10 } });
    const buyer = await apiUser(platform, 'Carl', 'Cancel');
    const bookingId = await book(buyer, event.event_id, ['A1', 'A2', 'A3']);

    // Someone else looks at the seat map meanwhile: 57 of 60 free, A1 sold.
    const watcher = await newPage();
    await openEvent(watcher, event.event_id);
    await watcher.getByTestId('count-available').filter({ hasText: /^57$/ }).waitFor();
    await watcher.getByLabel('Pick a seat by number').fill('A1');
    await watcher.getByRole('button', { name: 'Pick seat' }).click();
    await watcher.getByRole('alert').filter({ hasText: 'Seat A1 is not available.' }).waitFor();

    const page = await newPage();
    await logIn(page, buyer);
    await page.goto(`/bookings/${bookingId}`);
    const panel = page.getByRole('region', { name: 'Cancel seats' });
    await panel.getByText('Cancellation policy: allowed until 24 hours before the start').waitFor();
    await panel.getByText('with a fee of 10%').waitFor();
    const refund = panel.getByRole('definition').filter({ hasText: /^\$/ });
    // All three seats are chosen first: 75.00 - 7.50.
    await panel.getByText('$67.50').waitFor();
    await panel.getByRole('checkbox', { name: 'Seat A3' }).uncheck();
    await panel.getByText('$45.00').waitFor();
    assert.deepEqual(await refund.allTextContents(), ['$50.00', '$5.00', '$45.00'], 'price, fee, refund of A1 and A2');
    await expectAccessible(page, 'booking page with the cancellation quote');
    await screenshot(page, 'booking-cancel-quote');

    await panel.getByRole('button', { name: 'Cancel 2 seats…' }).click();
    const confirm = panel.getByRole('group', { name: 'Confirm the cancellation' });
    await confirm.getByText('Cancel A1, A2 and get $45.00 back? This cannot be undone.').waitFor();
    await confirm.getByRole('button', { name: 'Yes, cancel' }).click();
    await page.getByRole('status').filter({ hasText: 'Cancelled A1, A2. $45.00 is refunded to your payment method.' }).waitFor();
    const booking = page.getByRole('region', { name: 'Booking', exact: true });
    await booking.getByRole('term').filter({ hasText: 'Cancelled seats' }).waitFor();
    await booking
      .getByRole('definition')
      .filter({ hasText: /^A1, A2$/ })
      .waitFor();
    await booking
      .getByRole('definition')
      .filter({ hasText: /^\$45\.00$/ })
      .waitFor();
    // Their tickets stop being valid; A3's still admits.
    await page.getByRole('article', { name: 'Ticket for seat A1' }).getByText('This ticket no longer admits anyone.').waitFor();
    await page
      .getByRole('article', { name: 'Ticket for seat A3' })
      .getByRole('img', { name: /QR code/ })
      .waitFor();

    // The watcher's map shows the two seats free, without a reload, and A1 can be picked now.
    await watcher.getByTestId('count-available').filter({ hasText: /^59$/ }).waitFor();
    await watcher.getByLabel('Pick a seat by number').fill('A1');
    await watcher.getByRole('button', { name: 'Pick seat' }).click();
    await watcher.getByRole('list', { name: 'Chosen seats' }).getByText('A1', { exact: false }).waitFor();

    // Then the rest: the whole booking is cancelled.
    await panel.getByText('$22.50').waitFor();
    await panel.getByRole('button', { name: 'Cancel the whole booking…' }).click();
    await panel.getByRole('button', { name: 'Yes, cancel' }).click();
    await page.getByRole('status').filter({ hasText: 'Cancelled A3. $22.50 is refunded to your payment method.' }).waitFor();
    await page.getByText('Cancelled: its seats are back on sale and its tickets are no longer valid.').waitFor();
    await booking
      .getByRole('definition')
      .filter({ hasText: /^\$67\.50$/ })
      .waitFor();
    await watcher.getByTestId('count-available').filter({ hasText: /^60$/ }).waitFor();

    const after = await platform.api('GET', `/api/booking/${bookingId}`, { token: buyer.token });
    assert.equal(after.body.status, 'cancelled');
    assert.deepEqual(after.body.cancelled_seats, ['A1', 'A2', 'A3']);
    assert.equal(after.body.refunded_amount, 67.5);
    await expectAccessible(page, 'booking page after the cancellation');
  });
});

describe('the organizer refunds a booking from the box office', () => {
  it('asks for confirmation, refunds it once, and tells a second try that it was already refunded', async () => {
    const organizer = await apiUser(platform, 'Olga', 'Organizer');
    const event = await apiEvent(platform, organizer.token);
    const buyer = await apiUser(platform, 'Rita', 'Refund');
    const bookingId = await book(buyer, event.event_id, ['B1', 'B2']);

    // Two box-office tabs of the organizer, both about to refund the same booking.
    const [first, second] = [await newPage(), await newPage()];
    for (const page of [first, second]) {
      await logIn(page, organizer);
      await page.goto(`/box-office/events/${event.event_id}`);
      const row = page.getByRole('table', { name: 'Bookings' }).getByRole('row').filter({ hasText: buyer.email });
      await row.getByRole('button', { name: /^Refund the booking of / }).click();
      await row
        .getByRole('group', { name: /^Confirm the refund to / })
        .getByText('seats B1, B2 go back on sale')
        .waitFor();
    }
    await expectAccessible(first, 'box office with a refund to confirm');
    await first.getByRole('table', { name: 'Bookings' }).scrollIntoViewIfNeeded();
    await screenshot(first, 'box-office-refund');

    const rowOf = (page: Page) => page.getByRole('table', { name: 'Bookings' }).getByRole('row').filter({ hasText: buyer.email });
    await rowOf(first).getByRole('button', { name: 'Yes, refund' }).click();
    await rowOf(first)
      .getByRole('status')
      .filter({ hasText: /^Refunded \$50\.00 to .+\.$/ })
      .waitFor();
    // The list follows the seat map: the booking reads cancelled, and no refund is offered any more.
    await rowOf(first).getByRole('cell', { name: 'Cancelled' }).waitFor();

    await rowOf(second).getByRole('button', { name: 'Yes, refund' }).click();
    await rowOf(second).getByRole('alert').filter({ hasText: 'This booking was already refunded.' }).waitFor();

    const booking = await platform.api('GET', `/api/booking/${bookingId}`, { token: buyer.token });
    assert.equal(booking.body.status, 'cancelled');
    assert.equal(booking.body.payment_status, 'refunded');
    assert.equal(booking.body.refunded_amount, 50);
  });
});

describe('the organizer sets the cancellation policy', () => {
  it('turns cancellations on with a deadline and a fee, and finds them saved after a reload', async () => {
    const organizer = await apiUser(platform, 'Olga', 'Organizer');
    const event = await apiEvent(platform, organizer.token);
    const page = await newPage();
    await logIn(page, organizer);
    await page.goto(`/box-office/events/${event.event_id}`);
    const section = page.getByRole('region', { name: 'Cancellations', exact: true });
    await section.getByText('Buyers cannot cancel their bookings.').waitFor();
    await section.getByRole('checkbox', { name: 'Buyers may cancel their bookings' }).check();
    await section.getByLabel('Cancellation deadline (hours before the start)').fill('36');
    await section.getByLabel('Cancellation fee (%)').fill('7.5');
    await section.getByRole('button', { name: 'Save cancellation policy' }).click();
    await section
      .getByRole('status')
      .filter({ hasText: 'Saved. Buyers may cancel until 36 hours before the start, with a fee of 7.5%.' })
      .waitFor();
    await expectAccessible(page, 'box office with the cancellation policy');

    const saved = await platform.api('GET', `/api/events/${event.event_id}`);
    assert.deepEqual(saved.body.cancellation_policy, { hours_before_start: 36, fee_percent: 7.5 });

    await page.reload();
    const again = page.getByRole('region', { name: 'Cancellations', exact: true });
    assert.equal(await again.getByLabel('Cancellation deadline (hours before the start)').inputValue(), '36');
    assert.equal(await again.getByLabel('Cancellation fee (%)').inputValue(), '7.5');

    // And off again: buyers can no longer cancel.
    await again.getByRole('checkbox', { name: 'Buyers may cancel their bookings' }).uncheck();
    await again.getByRole('button', { name: 'Save cancellation policy' }).click();
    await again.getByRole('status').filter({ hasText: 'Saved. Buyers cannot cancel their bookings.' }).waitFor();
    assert.equal((await platform.api('GET', `/api/events/${event.event_id}`)).body.cancellation_policy, null);
  });
});

describe('the organizer sets the waiting-list offer time', () => {
  it('sets how long an offer holds its seats, finds it saved after a reload, and goes back to the default', async () => {
    const organizer = await apiUser(platform, 'Olga', 'Organizer');
    const event = await apiEvent(platform, organizer.token);
    const page = await newPage();
    await logIn(page, organizer);
    await page.goto(`/box-office/events/${event.event_id}`);
    const section = page.getByRole('region', { name: 'Waiting list', exact: true });
    await section.getByText('A waiting-list offer holds its seats for the platform’s default time.').waitFor();
    await section.getByLabel('Offer time (minutes)').fill('30');
    await section.getByRole('button', { name: 'Save offer time' }).click();
    await section.getByRole('status').filter({ hasText: 'Saved. A waiting-list offer holds its seats for 30 minutes.' }).waitFor();
    assert.equal((await platform.api('GET', `/api/events/${event.event_id}`)).body.waitlist_offer_ttl_seconds, 1800);
    await expectAccessible(page, 'box office with the waiting-list offer time');

    await page.reload();
    const again = page.getByRole('region', { name: 'Waiting list', exact: true });
    assert.equal(await again.getByLabel('Offer time (minutes)').inputValue(), '30');
    await again.getByLabel('Offer time (minutes)').fill('');
    await again.getByRole('button', { name: 'Save offer time' }).click();
    await again
      .getByRole('status')
      .filter({ hasText: 'Saved. A waiting-list offer holds its seats for the platform’s default time.' })
      .waitFor();
    assert.equal((await platform.api('GET', `/api/events/${event.event_id}`)).body.waitlist_offer_ttl_seconds, null);
  });
});
