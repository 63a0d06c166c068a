import { issueInternalToken } from '@ticketing/auth';
import { internalEventOwner, internalOrganizationOwners, type InternalOrganizationOwners } from '@ticketing/contracts';
import { TransientError } from '@ticketing/errors';

/** What webhooks need to know from the other services: whose an event is, and who owns an organization. */
export interface Directory {
  /** The event's organization; undefined when the event service does not know the event. Transient failures throw TransientError. */
  organizationOfEvent(eventId: string): Promise<string | undefined>;
  /** The organization's owners with their emails; undefined when the users service does not know it. */
  ownersOf(organizationId: string): Promise<InternalOrganizationOwners['owners'] | undefined>;
}

export interface DirectoryOptions {
  eventsUrl: string;
  usersUrl: string;
  timeoutMs: number;
  jwt: { internalSecret: string; issuer: string };
}

// An event's organization never changes: a bounded in-process copy spares the call.
const ORGANIZATIONS_MAX = 10_000;

/** The events and users internal APIs (docs/internal-api.md), called with an internal token. */
export function createDirectory(opts: DirectoryOptions): Directory {
  const organizations = new Map<string, string>();

  async function get(base: string, path: string): Promise<unknown> {
    const token = issueInternalToken('notifications', { secret: opts.jwt.internalSecret, issuer: opts.jwt.issuer, ttlSeconds: 300 });
    let res: Response;
    try {
      res = await fetch(new URL(path, base), {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (err) {
      throw new TransientError(`${base}${path} unreachable`, { cause: err });
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new TransientError(`${base}${path} answered ${res.status}`);
    }
    return res.json();
  }

  return {
    async organizationOfEvent(eventId) {
      const id = eventId.toLowerCase();
      const known = organizations.get(id);
      if (known) return known;
      const answer = await get(opts.eventsUrl, `/internal/events/${encodeURIComponent(id)}`);
      if (answer === undefined) return undefined;
      // An answer that is not the contract's shape is a version skew during a deploy: retried, never trusted.
      if (!internalEventOwner.check(answer)) throw new TransientError('the event service answered something that is not an event owner');
      if (organizations.size >= ORGANIZATIONS_MAX) organizations.delete(organizations.keys().next().value!);
      organizations.set(id, answer.organization_id);
      return answer.organization_id;
    },
    async ownersOf(organizationId) {
      const answer = await get(opts.usersUrl, `/internal/organizations/${encodeURIComponent(organizationId)}/owners`);
      if (answer === undefined) return undefined;
      if (!internalOrganizationOwners.check(answer))
        throw new TransientError('the users service answered something that is not a list of owners');
      return answer.owners;
    },
  };
}
