// The organizer authorization matrix over HTTP (issue 12): every role × every organizer action,
// plus an owner of another organization and a plain buyer. Real users (registered, invited,
// accepted, logged in), real tokens, the real services. The expected answer of each cell comes
// from the roles table (ORGANIZER_ACTIONS): allowed → 2xx, a role too low → 403, not a member →
// 404. Add a row here for every new organizer route.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ORGANIZER_ACTIONS, type OrganizerAction } from '@ticketing/auth';
import { createPostgresDatabase, type Database } from '@ticketing/db';
import { apiClient, testInfra, uniqueEmail, type ApiRequest } from '@ticketing/testing';
import { startPlatform, type Platform } from './support/platform.ts';

type Subject = 'owner' | 'manager' | 'staff' | 'viewer' | 'other_org_owner' | 'buyer';
const SUBJECTS: readonly Subject[] = ['owner', 'manager', 'staff', 'viewer', 'other_org_owner', 'buyer'];

let platform: Platform;
let users: ApiRequest;
let events: ApiRequest;
let bookings: ApiRequest;
let bookingsDb: Database;
let orgId: string;
/** A published event of the organization, cancelled, with its cancellation progress recorded. */
let cancelledEventId: string;
const tokens = {} as Record<Subject, string>;
const PASSWORD = 'correct horse battery';

async function signUp(): Promise<{ email: string; token: string; userId: string }> {
  const email = uniqueEmail();
  const reg = await users('POST', '/api/users/register', { body: { email, password: PASSWORD, first_name: 'Matrix', last_name: 'Test' } });
  assert.equal(reg.status, 201, reg.text);
  const login = await users('POST', '/api/users/login', { body: { email, password: PASSWORD } });
  return { email, token: login.body.access_token, userId: reg.body.user_id };
}

async function refreshed(token: string): Promise<string> {
  const res = await users('POST', '/api/users/token', { token });
  assert.equal(res.status, 200, res.text);
  return res.body.access_token;
}

/** A new member of the organization with a role, invited by the owner and accepted. */
async function join(role: 'owner' | 'manager' | 'staff' | 'viewer') {
  const person = await signUp();
  const inv = await users('POST', `/api/organizations/${orgId}/invitations`, { token: tokens.owner, body: { email: person.email, role } });
  assert.equal(inv.status, 201, inv.text);
  const ok = await users('POST', `/api/invitations/${inv.body.invitation_id}/accept`, { token: person.token });
  assert.equal(ok.status, 200, ok.text);
  return { ...person, token: await refreshed(person.token) };
}

function eventBody(extra: Record<string, unknown> = {}) {
  return {
    name: `Matrix ${randomUUID().slice(0, 8)}`,
    venue: 'Hall',
    city: 'Oslo',
    category: 'music',
    event_date: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    total_seats: 10,
    price_per_seat: 10,
    seats_per_row: 10,
    organization_id: orgId,
    ...extra,
  };
}

async function publishedEvent(): Promise<string> {
  const res = await events('POST', '/api/events', { token: tokens.owner, body: eventBody() });
  assert.equal(res.status, 201, res.text);
  return res.body.event_id;
}

async function draftEvent(): Promise<string> {
  const res = await events('POST', '/api/events', { token: tokens.owner, body: eventBody({ status: 'draft' }) });
  assert.equal(res.status, 201, res.text);
  return res.body.event_id;
}

interface Row {
  action: OrganizerAction;
  route: string;
  /** Sends the request as this subject (setting up fresh state first when the action changes it). */
  call: (token: string) => Promise<{ status: number; text: string }>;
}

const rows: Row[] = [
  {
    action: 'organization.view',
    route: 'GET /api/organizations/{id}',
    call: (t) => users('GET', `/api/organizations/${orgId}`, { token: t }),
  },
  {
    action: 'organization.view',
    route: 'GET /api/organizations/{id}/members',
    call: (t) => users('GET', `/api/organizations/${orgId}/members`, { token: t }),
  },
  {
    action: 'members.manage',
    route: 'PATCH /api/organizations/{id}',
    call: (t) => users('PATCH', `/api/organizations/${orgId}`, { token: t, body: { name: 'Matrix Org' } }),
  },
  {
    action: 'members.manage',
    route: 'POST /api/organizations/{id}/invitations',
    call: (t) => users('POST', `/api/organizations/${orgId}/invitations`, { token: t, body: { email: uniqueEmail(), role: 'viewer' } }),
  },
  {
    action: 'members.manage',
    route: 'DELETE /api/organizations/{id}/invitations/{invitationId}',
    call: async (t) => {
      const inv = await users('POST', `/api/organizations/${orgId}/invitations`, {
        token: tokens.owner,
        body: { email: uniqueEmail(), role: 'staff' },
      });
      return users('DELETE', `/api/organizations/${orgId}/invitations/${inv.body.invitation_id}`, { token: t });
    },
  },
  {
    action: 'members.manage',
    route: 'PUT /api/organizations/{id}/members/{userId}',
    call: async (t) => {
      const target = await join('viewer');
      return users('PUT', `/api/organizations/${orgId}/members/${target.userId}`, { token: t, body: { role: 'staff' } });
    },
  },
  {
    action: 'members.manage',
    route: 'DELETE /api/organizations/{id}/members/{userId}',
    call: async (t) => {
      const target = await join('viewer');
      return users('DELETE', `/api/organizations/${orgId}/members/${target.userId}`, { token: t });
    },
  },
  {
    action: 'audit.read',
    route: 'GET /api/organizations/{id}/audit',
    call: (t) => users('GET', `/api/organizations/${orgId}/audit`, { token: t }),
  },
  { action: 'event.create', route: 'POST /api/events', call: (t) => events('POST', '/api/events', { token: t, body: eventBody() }) },
  {
    action: 'event.view',
    route: 'GET /api/events/{id} (draft)',
    call: async (t) => events('GET', `/api/events/${await draftEvent()}`, { token: t }),
  },
  {
    action: 'event.edit',
    route: 'PATCH /api/events/{id}',
    call: async (t) => events('PATCH', `/api/events/${await draftEvent()}`, { token: t, body: { name: 'Renamed', sales_end: null } }),
  },
  {
    action: 'event.publish',
    route: 'POST /api/events/{id}/publish',
    call: async (t) => events('POST', `/api/events/${await draftEvent()}/publish`, { token: t }),
  },
  {
    action: 'audit.read',
    route: 'GET /api/events/{id}/audit',
    call: async (t) => events('GET', `/api/events/${await draftEvent()}/audit`, { token: t }),
  },
  {
    action: 'event.cancel',
    route: 'POST /api/events/{id}/cancel',
    call: async (t) => events('POST', `/api/events/${await publishedEvent()}/cancel`, { token: t, body: { reason: 'Matrix' } }),
  },
  {
    action: 'sales.read',
    route: 'GET /api/events/{id}/cancellation',
    call: (t) => bookings('GET', `/api/events/${cancelledEventId}/cancellation`, { token: t }),
  },
  {
    action: 'sales.read',
    route: 'GET /api/events/{id}/sales',
    call: (t) => bookings('GET', `/api/events/${cancelledEventId}/sales`, { token: t }),
  },
  {
    action: 'sales.read',
    route: 'GET /api/events/{id}/sales/bookings',
    call: (t) => bookings('GET', `/api/events/${cancelledEventId}/sales/bookings?status=confirmed`, { token: t }),
  },
  {
    action: 'sales.read',
    route: 'GET /api/events/{id}/sales/bookings.csv',
    call: (t) => bookings('GET', `/api/events/${cancelledEventId}/sales/bookings.csv`, { token: t }),
  },
  {
    action: 'event.manage_queue',
    route: 'PUT /api/events/{id}/waiting-room',
    call: async (t) =>
      events('PUT', `/api/events/${await publishedEvent()}/waiting-room`, {
        token: t,
        body: { enabled: true, opens_at: new Date(Date.now() + 86_400_000).toISOString(), admit_per_minute: 100 },
      }),
  },
  {
    action: 'event.manage_queue',
    route: 'GET /api/events/{id}/waiting-room/stats',
    call: async (t) => events('GET', `/api/events/${await publishedEvent()}/waiting-room/stats`, { token: t }),
  },
  // Check-in (bookings): a code that is no ticket is still a scan, answered 200 `invalid`.
  {
    action: 'checkin.scan',
    route: 'POST /api/events/{id}/check-ins',
    call: async (t) =>
      bookings('POST', `/api/events/${await draftEvent()}/check-ins`, { token: t, body: { code: 'not-a-ticket', gate: 'Matrix' } }),
  },
  {
    action: 'checkin.scan',
    route: 'POST /api/events/{id}/check-ins/batch',
    call: async (t) =>
      bookings('POST', `/api/events/${await draftEvent()}/check-ins/batch`, {
        token: t,
        body: { gate: 'Matrix', scans: [{ scan_id: randomUUID(), code: 'not-a-ticket', scanned_at: new Date().toISOString() }] },
      }),
  },
  // Counters: the gates (staff) and those who read sales (viewers) alike.
  {
    action: 'checkin.read',
    route: 'GET /api/events/{id}/check-ins',
    call: async (t) => bookings('GET', `/api/events/${await draftEvent()}/check-ins`, { token: t }),
  },
  {
    action: 'checkin.read',
    route: 'GET /api/events/{id}/check-ins/stream',
    call: async (t) => {
      const url = `${platform.service('bookings').baseUrl}/api/events/${await draftEvent()}/check-ins/stream`;
      const controller = new AbortController();
      const res = await fetch(url, { headers: { authorization: `Bearer ${t}` }, signal: controller.signal });
      // An open stream is the answer: read no further than its status.
      const text = res.ok ? '' : await res.text();
      controller.abort();
      return { status: res.status, text };
    },
  },
];

function expected(action: OrganizerAction, subject: Subject): 'allowed' | 403 | 404 {
  if (subject === 'other_org_owner' || subject === 'buyer') return 404;
  return (ORGANIZER_ACTIONS[action] as readonly string[]).includes(subject) ? 'allowed' : 403;
}

describe('authorization matrix: every role × every organizer action, over HTTP', () => {
  before(async () => {
    platform = await startPlatform();
    users = apiClient(platform.service('users').baseUrl);
    events = apiClient(platform.service('events').baseUrl);
    bookings = apiClient(platform.service('bookings').baseUrl);
    const owner = await signUp();
    const org = await users('POST', '/api/organizations', { token: owner.token, body: { name: 'Matrix Org' } });
    assert.equal(org.status, 201, org.text);
    orgId = org.body.organization_id;
    tokens.owner = await refreshed(owner.token);
    for (const role of ['manager', 'staff', 'viewer'] as const) tokens[role] = (await join(role)).token;
    const other = await signUp();
    await users('POST', '/api/organizations', { token: other.token, body: { name: 'Other Org' } });
    tokens.other_org_owner = await refreshed(other.token);
    tokens.buyer = (await signUp()).token;
    // The platform runs no bookings worker: the progress row it would write is written here.
    cancelledEventId = await publishedEvent();
    const cancelled = await events('POST', `/api/events/${cancelledEventId}/cancel`, { token: tokens.owner, body: {} });
    assert.equal(cancelled.status, 202, cancelled.text);
    bookingsDb = createPostgresDatabase({ url: testInfra.databaseUrl, schema: 'bookings', poolSize: 1 });
    await bookingsDb.query(
      `INSERT INTO event_cancellations (event_id, owner_id, cancelled_by, cancelled_at, status, completed_at)
       VALUES ($1, $2, $2, now(), 'completed', now())`,
      [cancelledEventId, orgId],
    );
  });
  after(async () => {
    await bookingsDb?.close();
    await platform.close();
  });

  it('answers each cell as the roles table says (2xx / 403 forbidden / 404 not found)', async () => {
    const failures: string[] = [];
    let cells = 0;
    for (const row of rows) {
      for (const subject of SUBJECTS) {
        const want = expected(row.action, subject);
        const res = await row.call(tokens[subject]);
        cells++;
        const ok = want === 'allowed' ? res.status >= 200 && res.status < 300 : res.status === want;
        if (!ok) failures.push(`${row.route} as ${subject}: expected ${want}, got ${res.status} ${res.text.slice(0, 120)}`);
        if (res.status === 403) assert.equal(JSON.parse(res.text).error, 'forbidden');
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(cells, rows.length * SUBJECTS.length);
  });

  it('a staff token may scan tickets, read the counters and see events, and nothing else', async () => {
    const staffActions = (Object.keys(ORGANIZER_ACTIONS) as OrganizerAction[]).filter((a) =>
      (ORGANIZER_ACTIONS[a] as readonly string[]).includes('staff'),
    );
    assert.deepEqual(staffActions.sort(), ['checkin.read', 'checkin.scan', 'event.view', 'organization.view']);
    // Every organizer route of the matrix outside those is refused to staff (the matrix above
    // checks each cell); this names the refused ones so a new route cannot slip through.
    const refused = rows.filter((r) => !staffActions.includes(r.action));
    assert.ok(refused.length >= 10);
    for (const row of refused) {
      const res = await row.call(tokens.staff);
      assert.equal(res.status, 403, `${row.route} as staff: ${res.status} ${res.text.slice(0, 120)}`);
    }
  });

  it('a viewer reads sales and attendance, and every scanning route answers them 403', async () => {
    const viewerActions = (Object.keys(ORGANIZER_ACTIONS) as OrganizerAction[]).filter((a) =>
      (ORGANIZER_ACTIONS[a] as readonly string[]).includes('viewer'),
    );
    assert.deepEqual(viewerActions.sort(), ['checkin.read', 'event.view', 'organization.view', 'sales.read']);
    const reads = rows.filter((r) => r.action === 'checkin.read');
    assert.equal(reads.length, 2, 'the counters and their stream');
    for (const row of reads) {
      const res = await row.call(tokens.viewer);
      assert.equal(res.status, 200, `${row.route} as viewer: ${res.status} ${res.text.slice(0, 120)}`);
    }
    for (const row of rows.filter((r) => r.action === 'checkin.scan')) {
      const res = await row.call(tokens.viewer);
      assert.equal(res.status, 403, `${row.route} as viewer: ${res.status} ${res.text.slice(0, 120)}`);
    }
  });

  it('lists an organization’s drafts only for its members', async () => {
    const draft = await draftEvent();
    for (const subject of SUBJECTS) {
      const res = await events('GET', `/api/events?organization_id=${orgId}&limit=100`, { token: tokens[subject] });
      const sees = res.body.events.some((e: { event_id: string }) => e.event_id === draft);
      assert.equal(sees, expected('event.view', subject) === 'allowed', subject);
    }
  });
});
