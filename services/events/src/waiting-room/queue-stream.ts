import type { Logger } from '@ticketing/http';
import { createPeriodicTask } from '@ticketing/tasks';
import type { QueueStatusView } from './waiting-room.schemas.ts';
import type { WaitingRoomService } from './waiting-room.service.ts';

/** One open queue stream of a buyer. */
export interface QueueWatcher {
  /** The buyer's place changed (or it is the first). */
  place(view: QueueStatusView): void;
  /** The place is gone (the buyer was dropped after leaving for longer than the grace period). */
  gone(): void;
  /** The queue store is unreachable: the place is kept, nothing moves. */
  paused(): void;
}

/**
 * Pushes places to the buyers whose queue stream is open on this process: every `intervalMs`,
 * one store call per event for all its watchers (it also marks them present), and a frame only
 * to those whose place changed.
 */
export function createQueueStreams(opts: { service: Pick<WaitingRoomService, 'placesOf'>; intervalMs: number; logger: Logger }) {
  const events = new Map<string, Map<string, Set<QueueWatcher>>>();
  const lastSent = new WeakMap<QueueWatcher, string>();

  function deliver(watcher: QueueWatcher, view: QueueStatusView): void {
    const json = JSON.stringify(view);
    if (lastSent.get(watcher) === json) return;
    lastSent.set(watcher, json);
    watcher.place(view);
  }

  async function pushAll(): Promise<void> {
    for (const [eventId, users] of events) {
      let places: Map<string, QueueStatusView | undefined>;
      try {
        places = await opts.service.placesOf(eventId, [...users.keys()]);
      } catch (err) {
        opts.logger.warn({ err, eventId }, 'queue stream: store unavailable');
        for (const set of users.values())
          for (const w of set) {
            if (lastSent.get(w) === 'paused') continue;
            lastSent.set(w, 'paused');
            w.paused();
          }
        continue;
      }
      for (const [userId, set] of users) {
        const view = places.get(userId);
        for (const w of [...set]) {
          if (view) deliver(w, view);
          else w.gone();
        }
      }
    }
  }

  const task = createPeriodicTask({
    run: pushAll,
    intervalMs: opts.intervalMs,
    onError: (err) => opts.logger.warn({ err }, 'queue stream pass failed'),
  });

  return {
    /** Adds a watcher; `first` is sent at once (the route read it to answer 404 before opening). */
    attach(eventId: string, userId: string, watcher: QueueWatcher, first: QueueStatusView): () => void {
      let users = events.get(eventId);
      if (!users) events.set(eventId, (users = new Map<string, Set<QueueWatcher>>()));
      let set = users.get(userId);
      if (!set) users.set(userId, (set = new Set<QueueWatcher>()));
      set.add(watcher);
      deliver(watcher, first);
      if (!task.started) task.start();
      return () => {
        set.delete(watcher);
        if (set.size === 0 && users.get(userId) === set) users.delete(userId);
        if (users.size === 0 && events.get(eventId) === users) events.delete(eventId);
      };
    },
    watchers(): number {
      let n = 0;
      for (const users of events.values()) for (const set of users.values()) n += set.size;
      return n;
    },
    stop: () => task.stop(),
  };
}

export type QueueStreams = ReturnType<typeof createQueueStreams>;
