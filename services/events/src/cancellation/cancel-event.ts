import type { UserClaims } from '@ticketing/auth';
import { errors } from '../errors.ts';
import type { EventAccess } from '../events/event-access.ts';
import type { EventsService } from '../events/events.service.ts';
import type { SeatChanges } from '../seats/seat-changes.ts';
import type { CancellationRepository } from './cancellation.repository.ts';

export interface CancelEventDeps {
  events: Pick<EventsService, 'refreshEvent'>;
  access: EventAccess;
  repository: CancellationRepository;
  changes: SeatChanges;
  /** Wakes the outbox relay (the cancellation message was written with the change). */
  notifyOutbox: () => void;
}

export interface CancelEventView {
  event_id: string;
  status: 'cancelled';
  cancelled_at: string;
  released_holds: number;
}

/**
 * POST /api/events/{id}/cancel: the event stops selling, its active holds are released, and
 * the bookings worker is told (outbox → Kafka) to refund every confirmed booking and email each
 * buyer. Calling it again answers the same, and does nothing more.
 */
export function createCancelEvent(deps: CancelEventDeps) {
  return async function cancelEvent(user: UserClaims, eventId: string, reason: string): Promise<CancelEventView> {
    const event = await deps.access.authorize(user, 'event.cancel', eventId);
    const done = await deps.repository.cancel(event.id, user.user_id, reason.trim());
    if (!done) throw errors.eventNotFound();
    if (done.now) {
      deps.notifyOutbox();
      await Promise.all([
        ...done.released.map((h) =>
          deps.changes.record({ change: 'released', eventId: event.id, holdId: h.hold_id, userId: h.user_id, seats: h.seats }),
        ),
        deps.events.refreshEvent(event.id),
      ]);
    }
    return {
      event_id: event.id,
      status: 'cancelled',
      cancelled_at: done.cancelled_at.toISOString(),
      released_holds: done.released.length,
    };
  };
}

export type CancelEvent = ReturnType<typeof createCancelEvent>;
