import type { Logger } from '@ticketing/http';
import { createPeriodicTask } from '@ticketing/tasks';
import type { WaitlistEntriesView } from './waitlist.schemas.ts';
import type { WaitlistService } from './waitlist.service.ts';

export type WaitlistWatcher = (view: WaitlistEntriesView) => void;

/**
 * Pushes the buyers' entries to their open waiting-list streams on this process: every
 * `intervalMs` (offers made by another instance, places moving), and at once when this process
 * made or settled an offer of the event (wake). One query per event for all its watchers; a
 * frame only to those whose entries changed.
 */
export function createWaitlistStreams(opts: { service: Pick<WaitlistService, 'entriesOf'>; intervalMs: number; logger: Logger }) {
  const events = new Map<string, Map<string, Set<WaitlistWatcher>>>();
  const lastSent = new WeakMap<WaitlistWatcher, string>();
  const woken = new Set<string>();

  function deliver(watcher: WaitlistWatcher, view: WaitlistEntriesView): void {
    const json = JSON.stringify(view);
    if (lastSent.get(watcher) === json) return;
    lastSent.set(watcher, json);
    watcher(view);
  }

  async function pushEvent(eventId: string): Promise<void> {
    const users = events.get(eventId);
    if (!users || users.size === 0) return;
    const views = await opts.service.entriesOf(eventId, [...users.keys()]);
    for (const [userId, set] of users) {
      const view = views.get(userId);
      if (view) for (const w of [...set]) deliver(w, view);
    }
  }

  async function pushAll(): Promise<void> {
    woken.clear();
    for (const eventId of [...events.keys()]) {
      try {
        await pushEvent(eventId);
      } catch (err) {
        opts.logger.warn({ err, eventId }, 'waiting list stream: entries unreadable; retrying');
      }
    }
  }

  const task = createPeriodicTask({
    run: pushAll,
    intervalMs: opts.intervalMs,
    coalesceMs: 10,
    onError: (err) => opts.logger.warn({ err }, 'waiting list stream pass failed'),
  });

  return {
    /** Adds a watcher; `first` is sent at once. Returns the detach function. */
    attach(eventId: string, userId: string, watcher: WaitlistWatcher, first: WaitlistEntriesView): () => void {
      let users = events.get(eventId);
      if (!users) events.set(eventId, (users = new Map<string, Set<WaitlistWatcher>>()));
      let set = users.get(userId);
      if (!set) users.set(userId, (set = new Set<WaitlistWatcher>()));
      set.add(watcher);
      deliver(watcher, first);
      if (!task.started) task.start();
      return () => {
        set.delete(watcher);
        if (set.size === 0 && users.get(userId) === set) users.delete(userId);
        if (users.size === 0 && events.get(eventId) === users) events.delete(eventId);
      };
    },
    /** Entries of the event changed on this process: push now. */
    changed(eventId: string): void {
      if (!events.has(eventId) || woken.has(eventId)) return;
      woken.add(eventId);
      task.wake();
    },
    watchers(): number {
      let n = 0;
      for (const users of events.values()) for (const set of users.values()) n += set.size;
      return n;
    },
    stop: () => task.stop(),
  };
}

export type WaitlistStreams = ReturnType<typeof createWaitlistStreams>;
