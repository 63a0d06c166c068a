import { createSsePoller, type Logger, type SsePoller } from '@ticketing/http';
import type { WaitlistEntriesView } from './waitlist.schemas.ts';
import type { WaitlistService } from './waitlist.service.ts';

/**
 * Pushes the buyers' entries to their open waiting-list streams on this process: every
 * `intervalMs` (offers made by another instance, places moving), and at once when this process
 * made or settled an offer of the event (`wake`). One query per event for all its watchers; a
 * frame only to those whose entries changed.
 */
export function createWaitlistStreams(opts: { service: Pick<WaitlistService, 'entriesOf'>; intervalMs: number; logger: Logger }) {
  return createSsePoller<WaitlistEntriesView>({
    read: (eventId, userIds) => opts.service.entriesOf(eventId, userIds),
    intervalMs: opts.intervalMs,
    // Offers made together (several seats freed at once) go out in one pass.
    coalesceMs: 10,
    logger: opts.logger,
    name: 'waiting list stream',
  });
}

export type WaitlistStreams = SsePoller<WaitlistEntriesView>;
