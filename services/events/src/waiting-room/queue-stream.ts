import { createSsePoller, type Logger, type SsePoller } from '@ticketing/http';
import type { QueueStatusView } from './waiting-room.schemas.ts';
import type { WaitingRoomService } from './waiting-room.service.ts';

/**
 * Pushes places to the buyers whose queue stream is open on this process: every `intervalMs`,
 * one store call per event for all its watchers (it also marks them present), and a frame only
 * to those whose place changed. A watcher's `gone` is called when the buyer was dropped (away
 * longer than the grace period), `unavailable` when the queue store is unreachable (the place is
 * kept, nothing moves).
 */
export function createQueueStreams(opts: { service: Pick<WaitingRoomService, 'placesOf'>; intervalMs: number; logger: Logger }) {
  return createSsePoller<QueueStatusView>({
    read: (eventId, userIds) => opts.service.placesOf(eventId, userIds),
    intervalMs: opts.intervalMs,
    logger: opts.logger,
    name: 'queue stream',
  });
}

export type QueueStreams = SsePoller<QueueStatusView>;
