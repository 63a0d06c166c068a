import type { UserClaims } from '@ticketing/auth';
import { errors } from '../errors.ts';
import type { EventRow } from '../events/events.repository.ts';

export type EventAction = 'event.cancel';

/**
 * The one place that decides whether a token may act on an event as its organizer. For now
 * the event's creator or a platform admin (403 otherwise); the organization roles replace this
 * body when they land, and every caller keeps calling it.
 */
export function assertMayManageEvent(user: UserClaims, event: Pick<EventRow, 'created_by'>, _action: EventAction): void {
  if (user.role === 'admin' || user.user_id === event.created_by) return;
  throw errors.forbidden({ message: 'Only the event’s organizer can do this' });
}
