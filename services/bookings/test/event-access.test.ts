import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { issueUserToken, verifyUserToken, type OrgRole } from '@ticketing/auth';
import { isDomainError } from '@ticketing/errors';
import { createHttpEventsClient } from '../src/index.ts';
import { createEventAccess } from '../src/organizer/event-access.ts';
import { bookingsConfig } from './helpers.ts';
import { createEvent, startEvents, type StartedEvents } from './events-helpers.ts';

const config = bookingsConfig();
let events: StartedEvents;

function claims(orgs: Record<string, OrgRole> = {}) {
  const token = issueUserToken(
    { userId: randomUUID(), email: 'o@example.test', role: 'user', orgs },
    { secret: config.jwt.secret, issuer: config.jwt.issuer, ttlSeconds: 600 },
  ).token;
  return { token, user: verifyUserToken(token, { secret: config.jwt.secret }) };
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'allowed';
  } catch (err) {
    if (isDomainError(err)) return err.code;
    throw err;
  }
}

describe('the booking service’s organizer check (eventAccess.authorize)', () => {
  before(async () => {
    events = await startEvents(config.jwt);
  });
  after(async () => events.close());

  it('asks the event service for the organization of an event, drafts included, and decides from the token', async () => {
    const orgId = randomUUID();
    const owner = claims({ [orgId]: 'owner' });
    const draft = await createEvent(events, { token: owner.token, userId: owner.user.user_id } as never, {
      organization_id: orgId,
      status: 'draft',
    });
    const access = createEventAccess(createHttpEventsClient({ baseUrl: events.baseUrl, timeoutMs: 5000, jwt: config.jwt }));

    assert.equal((await access.authorize(claims({ [orgId]: 'viewer' }).user, 'sales.read', draft.event_id)).organization_id, orgId);
    assert.equal(await refusal(access.authorize(claims({ [orgId]: 'staff' }).user, 'sales.read', draft.event_id)), 'forbidden');
    assert.equal(await refusal(access.authorize(claims({ [orgId]: 'staff' }).user, 'checkin.scan', draft.event_id)), 'allowed');
    assert.equal(
      await refusal(access.authorize(claims({ [randomUUID()]: 'owner' }).user, 'sales.read', draft.event_id)),
      'event_not_found',
    );
    assert.equal(await refusal(access.authorize(claims().user, 'sales.read', draft.event_id)), 'event_not_found');
    assert.equal(await refusal(access.authorize(owner.user, 'sales.read', randomUUID())), 'event_not_found');
    assert.equal(await refusal(access.authorize(owner.user, 'sales.read', 'not-a-uuid')), 'event_not_found');
  });
});
