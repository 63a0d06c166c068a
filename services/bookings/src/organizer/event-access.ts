import { decideOrganizerAccess, type OrganizerAction, type UserClaims } from '@ticketing/auth';
import type { InternalEventOwner } from '@ticketing/contracts';
import { isUuid } from '@ticketing/http';
import type { CallContext, EventsClient } from '../clients/events-client.ts';
import { errors } from '../errors.ts';

// An event's organization never changes: a bounded in-process copy spares the call.
const OWNERS_MAX = 10_000;

/**
 * The booking service's organizer check, the twin of the event service's
 * (services/events/src/events/event-access.ts): may this token do `action` on this event?
 * Decided from the token's `orgs` claim against the event's organization, which is asked of the
 * event service once per event (internal API) and then remembered. An unknown event or one of
 * another organization is `event_not_found` (404), a role too low `forbidden` (403).
 */
export function createEventAccess(events: Pick<EventsClient, 'getEventOwner'>) {
  const owners = new Map<string, InternalEventOwner>();

  async function ownerOf(eventId: string, ctx?: CallContext): Promise<InternalEventOwner | undefined> {
    if (!isUuid(eventId)) return undefined;
    const id = eventId.toLowerCase();
    const known = owners.get(id);
    if (known) return known;
    const owner = await events.getEventOwner(id, ctx);
    if (owner) {
      if (owners.size >= OWNERS_MAX) owners.delete(owners.keys().next().value!);
      owners.set(id, owner);
    }
    return owner;
  }

  return {
    /** Returns the event's owner (its id and organization) or throws. */
    async authorize(user: UserClaims, action: OrganizerAction, eventId: string, ctx?: CallContext): Promise<InternalEventOwner> {
      const owner = await ownerOf(eventId, ctx);
      if (!owner) throw errors.eventNotFound();
      const decision = decideOrganizerAccess(user, action, owner.organization_id);
      if (decision === 'not_member') throw errors.eventNotFound();
      if (decision === 'forbidden') throw errors.forbidden({ message: `Your role in this event's organization does not allow ${action}` });
      return owner;
    },
  };
}

export type EventAccess = ReturnType<typeof createEventAccess>;
