import { decideOrganizerAccess, type OrganizerAction, type UserClaims } from '@ticketing/auth';
import { errors } from '../errors.ts';
import type { EventRow } from './events.repository.ts';
import type { EventsService } from './events.service.ts';

/**
 * The one organizer check of the event service: may this token do `action` on this event?
 * Decided from the token's `orgs` claim against the event's organization, without a call to
 * the users service. An unknown event, or one of an organization the caller is not in, is
 * `event_not_found` (404: its existence is not revealed); a member whose role is too low gets
 * `forbidden` (403). Every organizer route of the service calls it (docs/users.md#organizations-and-roles).
 */
export function createEventAccess(events: Pick<EventsService, 'findEvent'>) {
  return {
    /** Returns the event (its fixed fields; re-read what can change) or throws. */
    async authorize(user: UserClaims, action: OrganizerAction, eventId: string): Promise<EventRow> {
      // The organization of an event never changes, so the in-process copy is enough.
      const event = await events.findEvent(eventId);
      if (!event) throw errors.eventNotFound();
      const decision = decideOrganizerAccess(user, action, event.organization_id);
      if (decision === 'not_member') throw errors.eventNotFound();
      if (decision === 'forbidden') throw errors.forbidden({ message: `Your role in this event's organization does not allow ${action}` });
      return event;
    },
  };
}

export type EventAccess = ReturnType<typeof createEventAccess>;
