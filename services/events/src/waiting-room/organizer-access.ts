import type { UserClaims } from '@ticketing/auth';
import { errors } from '../errors.ts';
import type { EventRow } from '../events/events.repository.ts';

/**
 * May this account run the event's on-sale (waiting room, live queue view)? The one place that
 * decides it for the waiting room: today the event's creator or an admin.
 */
export function assertOrganizer(user: UserClaims, event: Pick<EventRow, 'created_by'>): void {
  if (user.role === 'admin' || user.user_id === event.created_by) return;
  throw errors.forbidden({ message: 'Only the organizer of this event may do this' });
}
