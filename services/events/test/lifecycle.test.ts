import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { issueUserToken, type OrgRole } from '@ticketing/auth';
import { uniqueId } from '@ticketing/testing';
import { assertError, createEvent, futureDate, startEvents, type EventsServer } from './helpers.ts';

let a: EventsServer;
let b: EventsServer;

/** A token of a member of `orgId` with `role` (the users service writes the same claim). */
function member(server: EventsServer, orgId: string, role: OrgRole) {
  const userId = randomUUID();
  const email = `${uniqueId(role)}@example.test`;
  const { secret, issuer } = server.config.jwt;
  return {
    userId,
    email,
    token: issueUserToken({ userId, email, role: 'user', orgs: { [orgId]: role } }, { secret, issuer, ttlSeconds: 600 }).token,
  };
}

describe('event lifecycle and organizer changes', () => {
  before(async () => {
    // Two instances on one database and one Redis, as behind a load balancer.
    const prefix = `${uniqueId('lc')}:`;
    a = await startEvents({ redis: { keyPrefix: prefix } });
    b = await startEvents({ redis: { keyPrefix: prefix } });
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  it('keeps a draft invisible to the public and to other organizations, and shows it to its members', async () => {
    const orgId = randomUUID();
    const manager = member(a, orgId, 'manager');
    const draft = await createEvent(a.api, manager.token, { organization_id: orgId, status: 'draft' });
    assert.equal(draft.status, 'draft');
    assert.equal(draft.organization_id, orgId);
    const outsider = member(a, randomUUID(), 'owner');
    assertError(await a.api('GET', `/api/events/${draft.event_id}`), 404, 'event_not_found');
    assertError(await a.api('GET', `/api/events/${draft.event_id}`, { token: outsider.token }), 404, 'event_not_found');
    assertError(await a.api('GET', `/api/events/${draft.event_id}/seats`), 404, 'event_not_found');
    assertError(
      await a.api('POST', `/api/events/${draft.event_id}/hold`, { token: outsider.token, body: { seat_numbers: ['A1'] } }),
      404,
      'event_not_found',
    );
    assertError(
      await a.api('POST', `/api/events/${draft.event_id}/hold`, { token: outsider.token, body: { seat_numbers: ['Z99'] } }),
      404,
      'event_not_found',
    );
    const viewer = member(a, orgId, 'viewer');
    assert.equal((await a.api('GET', `/api/events/${draft.event_id}`, { token: viewer.token })).status, 200);

    const publicList = await a.api('GET', `/api/events?organization_id=${orgId}`);
    assert.deepEqual(publicList.body.events, []);
    const ownList = await a.api('GET', `/api/events?organization_id=${orgId}`, { token: viewer.token });
    assert.deepEqual(
      ownList.body.events.map((e: any) => e.event_id),
      [draft.event_id],
    );
    assertError(await a.api('GET', `/api/events?organization_id=${orgId}`, { token: 'not-a-token' }), 401, 'invalid_token');
  });

  it('publishes a draft (owner or manager; staff 403, outsiders 404), then holds work while on sale', async () => {
    const orgId = randomUUID();
    const owner = member(a, orgId, 'owner');
    const draft = await createEvent(a.api, owner.token, { organization_id: orgId, status: 'draft' });
    // Read on both instances while a draft, so each has it cached.
    for (const s of [a, b]) assertError(await s.api('GET', `/api/events/${draft.event_id}`), 404, 'event_not_found');
    assertError(await a.api('POST', `/api/events/${draft.event_id}/publish`, { token: member(a, orgId, 'staff').token }), 403, 'forbidden');
    assertError(
      await a.api('POST', `/api/events/${draft.event_id}/publish`, { token: member(a, randomUUID(), 'owner').token }),
      404,
      'event_not_found',
    );
    const published = await a.api('POST', `/api/events/${draft.event_id}/publish`, { token: member(a, orgId, 'manager').token });
    assert.equal(published.status, 200, published.text);
    assert.equal(published.body.status, 'on_sale');
    // The very next read, on the other instance, sees it; so does a buyer's hold.
    assert.equal((await b.api('GET', `/api/events/${draft.event_id}`)).body.status, 'on_sale');
    assert.equal((await b.api('GET', `/api/events/${draft.event_id}/seats`)).status, 200);
    const buyer = b.user();
    assert.equal(
      (await b.api('POST', `/api/events/${draft.event_id}/hold`, { token: buyer.token, body: { seat_numbers: ['A1'] } })).status,
      201,
    );
    // Publishing again changes nothing.
    assert.equal((await a.api('POST', `/api/events/${draft.event_id}/publish`, { token: owner.token })).body.status, 'on_sale');
    const audit = await a.api('GET', `/api/events/${draft.event_id}/audit`, { token: owner.token });
    assert.deepEqual(
      audit.body.entries.map((e: any) => e.action),
      ['event.published', 'event.created'],
    );
  });

  it('refuses holds outside the sales window, decided in the hold statement', async () => {
    const owner = a.user();
    const later = await createEvent(a.api, owner.token, { sales_start: futureDate(1) });
    assert.equal(later.status, 'published');
    const buyer = a.user();
    assertError(
      await a.api('POST', `/api/events/${later.event_id}/hold`, { token: buyer.token, body: { seat_numbers: ['A1'] } }),
      409,
      'sales_closed',
    );
    // Open the window now: the next hold is taken.
    const opened = await a.api('PATCH', `/api/events/${later.event_id}`, { token: owner.token, body: { sales_start: null } });
    assert.equal(opened.status, 200, opened.text);
    assert.equal(opened.body.status, 'on_sale');
    assert.equal(
      (await b.api('POST', `/api/events/${later.event_id}/hold`, { token: buyer.token, body: { seat_numbers: ['A1'] } })).status,
      201,
    );
    // Once sales_end has passed, holds are refused again.
    await a.sql.query(`UPDATE events SET sales_end = now() - interval '1 second' WHERE id = $1`, [later.event_id]);
    assertError(
      await b.api('POST', `/api/events/${later.event_id}/hold`, { token: buyer.token, body: { seat_numbers: ['A2'] } }),
      409,
      'sales_closed',
    );
    assertError(
      await a.api('PATCH', `/api/events/${later.event_id}`, {
        token: owner.token,
        body: { sales_start: futureDate(3), sales_end: futureDate(2) },
      }),
      400,
      'validation_failed',
    );
  });

  it('shows an edit on the very next read on every instance, and logs what changed', async () => {
    const orgId = randomUUID();
    const manager = member(a, orgId, 'manager');
    const event = await createEvent(a.api, manager.token, { organization_id: orgId, name: 'Old name' });
    // Both instances (and Redis) hold a copy, and a list page is cached.
    for (const s of [a, b]) assert.equal((await s.api('GET', `/api/events/${event.event_id}`)).body.name, 'Old name');
    assert.equal((await b.api('GET', `/api/events?organization_id=${orgId}`)).body.events[0].name, 'Old name');
    const newDate = futureDate(60);
    const res = await a.api('PATCH', `/api/events/${event.event_id}`, {
      token: manager.token,
      body: { name: '  New name ', venue: 'Other Hall', event_date: newDate },
    });
    assert.equal(res.status, 200, res.text);
    for (const s of [b, a]) {
      const read = (await s.api('GET', `/api/events/${event.event_id}`)).body;
      assert.deepEqual([read.name, read.venue, read.event_date], ['New name', 'Other Hall', new Date(newDate).toISOString()]);
    }
    assert.equal((await b.api('GET', `/api/events?organization_id=${orgId}`)).body.events[0].name, 'New name');

    assertError(
      await a.api('PATCH', `/api/events/${event.event_id}`, { token: member(a, orgId, 'viewer').token, body: { name: 'x' } }),
      403,
      'forbidden',
    );
    assertError(
      await a.api('PATCH', `/api/events/${event.event_id}`, { token: a.user().token, body: { name: 'x' } }),
      404,
      'event_not_found',
    );
    assertError(
      await a.api('PATCH', `/api/events/${event.event_id}`, { token: manager.token, body: { event_date: '2001-01-01T00:00:00Z' } }),
      400,
      'validation_failed',
    );

    const audit = await b.api('GET', `/api/events/${event.event_id}/audit`, { token: manager.token });
    const [rescheduled] = audit.body.entries;
    assert.equal(rescheduled.action, 'event.rescheduled');
    assert.equal(rescheduled.actor_email, manager.email);
    assert.deepEqual(Object.keys(rescheduled.details.changes).sort(), ['event_date', 'name', 'venue']);
    assert.deepEqual(rescheduled.details.changes.name, { from: 'Old name', to: 'New name' });
    assertError(await a.api('GET', `/api/events/${event.event_id}/audit`, { token: member(a, orgId, 'staff').token }), 403, 'forbidden');
  });

  it('creates events only in an organization where the caller is owner or manager', async () => {
    const orgId = randomUUID();
    assertError(
      await a.api('POST', '/api/events', { token: member(a, orgId, 'viewer').token, body: { ...newBody(), organization_id: orgId } }),
      403,
      'forbidden',
    );
    assertError(
      await a.api('POST', '/api/events', { token: member(a, randomUUID(), 'owner').token, body: { ...newBody(), organization_id: orgId } }),
      404,
      'organization_not_found',
    );
  });
});

function newBody() {
  return { name: 'x', venue: 'v', city: 'c', category: 'music', event_date: futureDate(), total_seats: 10, price_per_seat: 10 };
}
