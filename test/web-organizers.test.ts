// The organizer pages in a real browser, against the real services through the web edge (the
// style of web-browser.test.ts): an organization and its members, the event editor, publish.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiUser, expectAccessible, logIn, useBrowserPlatform } from './web/platform.ts';

const { platform, newPage } = useBrowserPlatform();

describe('the organizer pages', () => {
  it('an owner creates an organization and invites a manager, who accepts, drafts an event, publishes and edits it; the owner removes them', async () => {
    const owner = await apiUser(platform, 'Olga', 'Owner');
    const manager = await apiUser(platform, 'Max', 'Manager');
    const orgName = `Night Owls ${Date.now()}`;

    const ownerPage = await newPage();
    await logIn(ownerPage, owner);
    await ownerPage.getByRole('link', { name: 'Organizations' }).click();
    await ownerPage.getByLabel('Organization name').fill(orgName);
    await ownerPage.getByRole('button', { name: 'Create organization' }).click();
    await ownerPage.getByRole('link', { name: orgName }).click();
    await ownerPage.getByText('Your role: owner').waitFor();
    await ownerPage.getByLabel('Email to invite').fill(manager.email);
    await ownerPage.getByRole('form', { name: 'Invite a member' }).getByLabel('Role').selectOption('manager');
    await ownerPage.getByRole('button', { name: 'Send invitation' }).click();
    await ownerPage.getByText(`Invitation sent to ${manager.email}.`).waitFor();
    await ownerPage.getByRole('list', { name: 'Pending invitations' }).getByText(manager.email).waitFor();
    await expectAccessible(ownerPage, 'organization page');

    const managerPage = await newPage();
    await logIn(managerPage, manager);
    await managerPage.goto('/organizations');
    await managerPage.getByRole('button', { name: `Accept invitation to ${orgName}` }).click();
    await managerPage.getByRole('link', { name: orgName }).click();
    await managerPage.getByText('Your role: manager').waitFor();
    await managerPage.getByRole('link', { name: `Create an event for ${orgName}` }).click();
    await managerPage.getByRole('heading', { name: 'Create a draft event' }).waitFor();
    const form = managerPage.getByRole('form', { name: 'New event' });
    await form.getByLabel('Name', { exact: true }).fill('Owl Jazz');
    await form.getByLabel('Venue').fill('Barn');
    await form.getByLabel('City').fill('Bergen');
    await form.getByLabel('Category').fill('concert');
    await form.getByLabel('Date and time').fill('2099-06-01T20:00');
    await managerPage.getByRole('button', { name: 'Create event' }).click();

    await managerPage.getByRole('heading', { name: 'Edit event' }).waitFor();
    await managerPage.getByText('Status: draft').waitFor();
    const eventId = managerPage.url().split('/').at(-1)!;
    // A draft does not exist for the public.
    assert.equal((await platform.api('GET', `/api/events/${eventId}`)).status, 404);
    await expectAccessible(managerPage, 'event editor');
    await managerPage.getByRole('button', { name: 'Publish event' }).click();
    await managerPage.getByText('The event is published.').waitFor();
    await managerPage.getByText('Status: on sale').waitFor();

    const details = managerPage.getByRole('form', { name: 'Event details' });
    await details.getByLabel('Name').fill('Owl Jazz, late show');
    await details.getByLabel('Sales end').fill('2099-05-31T12:00');
    await managerPage.getByRole('button', { name: 'Save changes' }).click();
    await managerPage.getByText('Changes saved.').waitFor();
    // The next read sees the edit.
    const read = await platform.api('GET', `/api/events/${eventId}`);
    assert.equal(read.body.name, 'Owl Jazz, late show');
    assert.equal(read.body.status, 'on_sale');
    assert.ok(read.body.sales_end.startsWith('2099-05-31'));

    await ownerPage.reload();
    await ownerPage.getByRole('list', { name: 'Events of the organization' }).getByRole('link', { name: 'Owl Jazz, late show' }).waitFor();
    // From the organization to the event's sales report (nothing sold yet), and back.
    await ownerPage
      .getByRole('list', { name: 'Events of the organization' })
      .getByRole('listitem')
      .filter({ hasText: 'Owl Jazz, late show' })
      .getByRole('link', { name: 'Sales', exact: true })
      .click();
    await ownerPage.getByRole('table', { name: 'Sales by section' }).waitFor();
    await ownerPage.getByText('No bookings match.').waitFor();
    await ownerPage.goBack();
    await ownerPage.getByLabel(`Role of ${manager.email}`).selectOption('viewer');
    // The select shows the role the server answered with, once the change is saved.
    let role = '';
    for (let i = 0; i < 100 && role !== 'viewer'; i++) {
      await ownerPage.waitForTimeout(100);
      role = await ownerPage.getByLabel(`Role of ${manager.email}`).inputValue();
    }
    assert.equal(role, 'viewer');
    await ownerPage.getByRole('button', { name: `Remove ${manager.email}` }).click();
    await ownerPage.getByText(`${manager.email} was removed.`).waitFor();
    await ownerPage.getByRole('button', { name: `Remove ${manager.email}` }).waitFor({ state: 'detached' });
    assert.equal((await platform.api('GET', `/api/events/${eventId}`)).status, 200);
  });
});
