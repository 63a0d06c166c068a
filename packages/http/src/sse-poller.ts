import { createPeriodicTask } from '@ticketing/tasks';
import type { Logger } from './logger.ts';

/** One open stream that follows a view kept elsewhere (a buyer's place in a queue, their waiting-list entries). */
export interface SsePollWatcher<V> {
  /** The view changed, or it is the first one. */
  view: (view: V) => void;
  /** The read has no view for this key any more. Unset: the stream waits for one to come back. */
  gone?: () => void;
  /** The read failed: nothing moves until it works again. Called once per outage. */
  unavailable?: () => void;
}

export interface SsePollerOptions<V> {
  /**
   * Reads the views of several keys of one topic in one call (one query for all the topic's
   * open streams). A key missing from the map, or mapped to undefined, is gone.
   */
  read(topic: string, keys: readonly string[]): Promise<Map<string, V | undefined>>;
  /** A pass over every topic with open streams this often (changes made by other instances). */
  intervalMs: number;
  /** After a wake(), wait this long before the pass, so changes made together go out in one. @defaultValue 0 */
  coalesceMs?: number;
  logger: Logger;
  /** Names the streams in log lines ("queue stream"). */
  name: string;
}

export interface SsePoller<V> {
  /** Adds a watcher of `key` in `topic`; `first` is sent at once (the route read it to answer 404 before opening). Returns the detach function. */
  attach(topic: string, key: string, watcher: SsePollWatcher<V>, first: V): () => void;
  /** The topic's views changed on this process: a pass now (once per pass however often it is called). */
  wake(topic: string): void;
  /** How many watchers are attached. */
  watchers(): number;
  /** Stops the loop (after the pass in flight). */
  stop(): Promise<void>;
}

// What was last sent to a watcher that had no view: sent again as soon as one comes back.
const UNAVAILABLE = '\0unavailable';
const GONE = '\0gone';

/**
 * The loop behind the SSE streams that follow a view kept elsewhere, on this process: every
 * `intervalMs` (and at once on wake), one read per topic for all its watchers, and a frame only
 * to the watchers whose view changed. The periodic task starts with the first watcher.
 */
export function createSsePoller<V>(opts: SsePollerOptions<V>): SsePoller<V> {
  const topics = new Map<string, Map<string, Set<SsePollWatcher<V>>>>();
  const lastSent = new WeakMap<SsePollWatcher<V>, string>();
  const woken = new Set<string>();

  function deliver(watcher: SsePollWatcher<V>, view: V): void {
    const json = JSON.stringify(view);
    if (lastSent.get(watcher) === json) return;
    lastSent.set(watcher, json);
    watcher.view(view);
  }

  function tell(watcher: SsePollWatcher<V>, what: typeof UNAVAILABLE | typeof GONE): void {
    const call = what === GONE ? watcher.gone : watcher.unavailable;
    if (!call || lastSent.get(watcher) === what) return;
    lastSent.set(watcher, what);
    call();
  }

  async function pushTopic(topic: string, keys: Map<string, Set<SsePollWatcher<V>>>): Promise<void> {
    // Only the keys read now: a watcher attached during the read is not gone, it is new.
    const read = [...keys.keys()];
    let views: Map<string, V | undefined>;
    try {
      views = await opts.read(topic, read);
    } catch (err) {
      opts.logger.warn({ err, topic }, `${opts.name}: views unreadable; retrying`);
      for (const set of keys.values()) for (const w of [...set]) tell(w, UNAVAILABLE);
      return;
    }
    for (const key of read) {
      const view = views.get(key);
      for (const w of [...(keys.get(key) ?? [])]) {
        if (view !== undefined) deliver(w, view);
        else tell(w, GONE);
      }
    }
  }

  const task = createPeriodicTask({
    run: async () => {
      woken.clear();
      for (const [topic, keys] of [...topics]) await pushTopic(topic, keys);
    },
    intervalMs: opts.intervalMs,
    coalesceMs: opts.coalesceMs ?? 0,
    onError: (err) => opts.logger.warn({ err }, `${opts.name} pass failed`),
  });

  return {
    attach(topic, key, watcher, first) {
      let keys = topics.get(topic);
      if (!keys) topics.set(topic, (keys = new Map<string, Set<SsePollWatcher<V>>>()));
      let set = keys.get(key);
      if (!set) keys.set(key, (set = new Set<SsePollWatcher<V>>()));
      set.add(watcher);
      deliver(watcher, first);
      if (!task.started) task.start();
      return () => {
        set.delete(watcher);
        if (set.size === 0 && keys.get(key) === set) keys.delete(key);
        if (keys.size === 0 && topics.get(topic) === keys) topics.delete(topic);
      };
    },
    wake(topic) {
      if (!topics.has(topic) || woken.has(topic)) return;
      woken.add(topic);
      task.wake();
    },
    watchers() {
      let n = 0;
      for (const keys of topics.values()) for (const set of keys.values()) n += set.size;
      return n;
    },
    stop: () => task.stop(),
  };
}
