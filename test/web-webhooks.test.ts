// The webhooks pages in a real browser, against the real services through the web edge (the
// notification service's API and its dispatcher included) and a real HTTP receiver on loopback
// (allowed by the test configuration): add an endpoint, copy its secret, send a test event and see
// it delivered in the log with the receiver's response code, replay it, rotate the secret, edit the
// event types, see a real sale arrive as booking.confirmed, disable and delete the endpoint; staff
// members do not get the pages.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verifyWebhookSignature } from '@ticketing/auth';
import { waitFor } from '@ticketing/testing';
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
import { startReceiver } from './support/webhooks.ts';

const { platform, newPage } = useBrowserPlatform({ webhooks: true });

/** An organization with an owner and a staff member (staff may not manage webhooks). */
async function organizationWithStaff() {
  const owner = await apiUser(platform, 'Wendy', 'Webhook');
  const staff = await apiUser(platform, 'Stan', 'Staff');
  const name = `Hook Hall ${Date.now()}`;
  const org = await platform.api('POST', '/api/organizations', { token: owner.token, body: { name } });
  assert.equal(org.status, 201, org.text);
  const id = org.body.organization_id as string;
  const invitation = await platform.api('POST', `/api/organizations/${id}/invitations`, {
    token: owner.token,
    body: { email: staff.email, role: 'staff' },
  });
  assert.equal(invitation.status, 201, invitation.text);
  const accepted = await platform.api('POST', `/api/invitations/${invitation.body.invitation_id}/accept`, { token: staff.token });
  assert.equal(accepted.status, 200, accepted.text);
  return { owner, staff, id, name };
}

/** A buyer books a seat of a new event of the organization, and waits for the confirmation. */
async function bookSeat(owner: { token: string }, organizationId: string): Promise<void> {
  // A token made after the organization was (a token names its organizations).
  const token = (await platform.api('POST', '/api/users/token', { token: owner.token })).body.access_token as string;
  const event = await apiEvent(platform, token, { organization_id: organizationId });
  const buyer = await apiUser(platform, 'Bea', 'Buyer');
  const bookingId = await apiPay(platform, buyer.token, await apiHold(platform, buyer.token, event.event_id, ['A1']));
  await waitForConfirmed(platform, buyer.token, bookingId);
}

describe('the webhooks pages', () => {
  it('an owner adds an endpoint, sees a test event delivered with its response code, replays it, rotates the secret, edits the event types, sees a sale arrive, disables and deletes the endpoint', async () => {
    const { owner, staff, id: orgId, name: orgName } = await organizationWithStaff();
    const receiver = await startReceiver(() => 201);
    const testEvents = () => receiver.received.filter((r) => (JSON.parse(r.body) as { type: string }).type === 'webhook.test');
    try {
      const page = await newPage();
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: platform.url });
      await logIn(page, owner);
      await page.getByRole('link', { name: 'Organizations' }).click();
      await page.getByRole('link', { name: orgName, exact: true }).click();
      await page.getByRole('link', { name: 'Manage webhooks' }).click();
      await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
      await page.getByText('No endpoints yet.').waitFor();
      await expectAccessible(page, 'webhooks page');

      // A forgotten event type is said in a sentence; then the keyboard fills the form in.
      await page.getByLabel('Address (URL)').fill(receiver.url);
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      await page.getByRole('alert').getByText('Choose at least one event type.').waitFor();
      await page.getByRole('checkbox', { name: /^booking\.confirmed/ }).focus();
      await page.keyboard.press('Space');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Space'); // event.published
      await page.getByLabel('Description (optional)').fill('Accounting');
      await page.getByLabel('Description (optional)').press('Enter');

      await page.getByRole('heading', { name: `Signing secret for ${receiver.url}` }).waitFor();
      const secret = await page.getByRole('textbox', { name: 'Signing secret', exact: true }).inputValue();
      assert.match(secret, /^whsec_/);
      await page.getByRole('button', { name: 'Copy secret' }).click();
      await page.getByText('Copied to the clipboard.').waitFor();
      assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), secret);
      await expectAccessible(page, 'webhooks page with the secret');
      await page.getByRole('button', { name: 'I have stored the secret' }).click();
      await page.getByRole('textbox', { name: 'Signing secret', exact: true }).waitFor({ state: 'detached' });
      const row = page.getByRole('row').filter({ hasText: receiver.url });
      await row.getByText('booking.confirmed, event.published').waitFor();
      await row.getByRole('cell', { name: 'Enabled', exact: true }).waitFor();

      await row.getByRole('link', { name: receiver.url }).click();
      await page.getByRole('heading', { name: 'Webhook endpoint', level: 1 }).waitFor();
      await page.getByText('Nothing sent yet.').waitFor();

      // Send a test event: the receiver gets it signed with the secret shown once, the log shows its answer.
      await page.getByRole('button', { name: 'Send test event' }).click();
      await page.getByText(/A test event \(evt_\w+\) is on its way/).waitFor();
      const first = await waitFor(() => testEvents()[0], 'the test event at the receiver');
      const eventId = (JSON.parse(first.body) as { id: string; type: string }).id;
      assert.equal(JSON.parse(first.body).type, 'webhook.test');
      assert.equal(verifyWebhookSignature(first.headers['ticketing-signature'] as string, first.body, secret).ok, true);
      const delivery = page.getByTestId(`delivery-${eventId}`);
      await delivery.getByText('Delivered', { exact: true }).waitFor();
      await delivery.getByRole('cell', { name: '201', exact: true }).waitFor();
      await delivery.getByRole('cell', { name: /^\d+ ms$/ }).waitFor();
      await expectAccessible(page, 'endpoint page with its delivery log');

      // Replay: the same event id and body again; the log counts a second attempt.
      await delivery.getByRole('button', { name: `Replay webhook.test ${eventId}` }).click();
      await page.getByText(`webhook.test ${eventId} is being sent again.`).waitFor();
      const second = await waitFor(() => testEvents()[1], 'the replay at the receiver');
      assert.equal(second.body, first.body);
      await delivery.getByRole('cell', { name: '2', exact: true }).waitFor();
      await delivery.getByText('Delivered', { exact: true }).waitFor();
      await delivery.getByRole('button', { name: `Attempts of webhook.test ${eventId}` }).click();
      const attempts = delivery.getByRole('list', { name: `Attempts of ${eventId}` });
      await attempts.getByText(/^Attempt 2, .*: 201, \d+ ms, delivered$/).waitFor();
      await attempts.getByText(/^Attempt 1, .*: 201, \d+ ms, delivered$/).waitFor();
      await screenshot(page, 'webhooks-delivery-log');
      await delivery.getByText('Body sent').click();
      assert.equal(await delivery.locator('pre').textContent(), first.body);

      // Rotate with the default overlap: the next delivery is signed with both secrets.
      await page.getByRole('button', { name: 'Rotate secret…' }).click();
      const rotateForm = page.getByRole('form', { name: 'Rotate the signing secret' });
      await rotateForm.getByText(/during that overlap each delivery carries two signatures/).waitFor();
      await rotateForm.getByRole('button', { name: 'Rotate secret' }).click();
      await page.getByRole('heading', { name: 'New signing secret' }).waitFor();
      await page.getByText(/every delivery is signed with both the old and the new secret/).waitFor();
      const newSecret = await page.getByRole('textbox', { name: 'Signing secret', exact: true }).inputValue();
      assert.match(newSecret, /^whsec_/);
      assert.notEqual(newSecret, secret);
      await page.getByRole('button', { name: 'I have stored the secret' }).click();
      await page.getByRole('button', { name: 'Send test event' }).click();
      const third = await waitFor(() => testEvents()[2], 'a test event after the rotation');
      const header = third.headers['ticketing-signature'] as string;
      assert.equal(header.match(/v1=/g)?.length, 2);
      assert.equal(verifyWebhookSignature(header, third.body, secret).ok, true);
      assert.equal(verifyWebhookSignature(header, third.body, newSecret).ok, true);
      const thirdId = (JSON.parse(third.body) as { id: string }).id;
      await page.getByTestId(`delivery-${thirdId}`).getByText('Delivered', { exact: true }).waitFor();

      // Edit the event types; a cleared address is said in a sentence, not sent.
      await page.getByRole('button', { name: 'Edit…' }).click();
      const edit = page.getByRole('form', { name: 'Edit the endpoint' });
      await edit.getByRole('checkbox', { name: /^event\.published/ }).uncheck();
      await edit.getByRole('checkbox', { name: /^booking\.refunded/ }).check();
      await edit.getByLabel('Address (URL)').fill('');
      await edit.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('alert').getByText('Enter the address of your receiver, starting with https://.').waitFor();
      await edit.getByLabel('Address (URL)').fill(receiver.url);
      await edit.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Changes saved.').waitFor();
      await page.getByRole('definition').getByText('booking.confirmed, booking.refunded', { exact: true }).waitFor();

      // A real sale of the organization's event arrives as booking.confirmed (bookings worker → Kafka → webhook consumer).
      await bookSeat(owner, orgId);
      const bookingRow = page.getByRole('row').filter({ hasText: 'booking.confirmed' });
      for (let i = 0; i < 120 && (await bookingRow.count()) === 0; i++) {
        await page.getByRole('button', { name: 'Refresh the log' }).click();
        await page.waitForTimeout(250);
      }
      await bookingRow.getByText('Delivered', { exact: true }).waitFor();
      const sale = receiver.received.find((r) => (JSON.parse(r.body) as { type: string }).type === 'booking.confirmed');
      assert.ok(sale, 'the receiver got the booking');
      assert.equal(verifyWebhookSignature(sale.headers['ticketing-signature'] as string, sale.body, newSecret).ok, true);

      // At phone width the page and its log fit the screen.
      const phone = await newPage(viewports.phone);
      await logIn(phone, owner);
      await phone.goto(page.url());
      await phone.getByTestId(`delivery-${eventId}`).getByText('Delivered', { exact: true }).waitFor();
      assert.equal(
        await phone.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth'),
        true,
        'no sideways scrolling',
      );
      await expectAccessible(phone, 'endpoint page on a phone');

      // Disable: the state says who disabled it, and a test event is refused in a sentence.
      await page.getByRole('button', { name: 'Disable endpoint' }).click();
      await page.getByText('The endpoint is disabled: nothing is sent to it until you enable it.').waitFor();
      await page.getByText(`Disabled: disabled by ${owner.email}`).waitFor();
      await page.getByRole('button', { name: 'Send test event' }).click();
      await page.getByRole('alert').getByText('This endpoint is disabled: enable it first, then send or replay events.').waitFor();
      assert.equal(testEvents().length, 3);
      await page.getByRole('link', { name: 'All webhook endpoints' }).click();
      await page.getByRole('row').filter({ hasText: receiver.url }).getByText(`Disabled: disabled by ${owner.email}`).waitFor();

      // Staff see neither the way in nor the page.
      const staffPage = await newPage();
      await logIn(staffPage, staff);
      await staffPage.goto('/organizations');
      const staffRow = staffPage.getByRole('row').filter({ hasText: orgName });
      await staffRow.getByRole('cell', { name: 'staff', exact: true }).waitFor();
      assert.equal(await staffRow.getByRole('link', { name: 'Webhooks' }).count(), 0);
      await staffPage.goto(`/organizations/${orgId}`);
      await staffPage.getByText('Your role: staff').waitFor();
      assert.equal(await staffPage.getByRole('link', { name: 'Manage webhooks' }).count(), 0);
      await staffPage.goto(`/organizations/${orgId}/webhooks`);
      await staffPage.getByText(`Only the owners and managers of ${orgName} manage its webhooks; your role is staff.`).waitFor();

      // Delete, after a confirmation.
      await page.getByRole('link', { name: receiver.url }).click();
      await page.getByRole('button', { name: 'Delete endpoint…' }).click();
      // The keyboard is in the confirmation, on the safe answer.
      assert.equal(await page.evaluate<string>('document.activeElement.textContent'), 'Keep the endpoint');
      await page
        .getByRole('group', { name: 'Confirm the deletion' })
        .getByText(/This cannot be undone/)
        .waitFor();
      await page.getByRole('button', { name: 'Yes, delete the endpoint' }).click();
      await page.getByText('The endpoint was deleted.').waitFor();
      await page.getByText('No endpoints yet.').waitFor();
      // A token made after the organization was (its organizations are in the token).
      const token = (await platform.api('POST', '/api/users/token', { token: owner.token })).body.access_token as string;
      const list = await platform.api('GET', `/api/webhooks/endpoints?organization_id=${orgId}`, { token });
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(list.body.endpoints, []);
    } finally {
      await receiver.close();
    }
  });
});
