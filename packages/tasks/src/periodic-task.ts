export interface PeriodicTaskOptions<T> {
  /**
   * One pass of the work. `signal` aborts when the task is stopped: a long pass checks it
   * between steps and returns early (stop() waits for it either way).
   */
  run: (signal: AbortSignal) => Promise<T>;
  /** Pause between passes; 0 or less: start() does nothing and the task runs only through runOnce(). */
  intervalMs: number;
  /** True when the pass left work behind (a full batch): the next pass starts at once. */
  again?: (result: T) => boolean;
  /**
   * When set, failed passes back off exponentially (intervalMs, 2×, 4×, ... up to this) and a
   * wake() does not cut the back-off short. Unset: a failed pass is retried after intervalMs.
   */
  maxBackoffMs?: number;
  /**
   * After a wake(), wait this long before the pass, so that work arriving together is taken
   * by one pass. @defaultValue 0
   */
  coalesceMs?: number;
  /** A pass failed; `failures` counts the failures in a row. The loop goes on. */
  onError: (err: unknown, failures: number) => void;
  /** The first pass that succeeded after `failures` failed ones. */
  onRecovered?: (failures: number) => void;
}

export interface PeriodicTask<T> {
  /** Starts the loop: a first pass at once, then one every intervalMs. No-op when running. */
  start(this: void): void;
  /** Stops the loop and waits for the pass in flight (runOnce's included) to finish. */
  stop(this: void): Promise<void>;
  /** Runs the next pass now (after coalesceMs), or right after the pass in flight. */
  wake(this: void): void;
  /**
   * Runs one pass now, after the pass in flight if any (passes never overlap), and returns its
   * result or error. `run` replaces the task's own pass for this call (e.g. a bounded one).
   */
  runOnce<R = T>(this: void, run?: (signal: AbortSignal) => Promise<R>): Promise<R>;
  readonly started: boolean;
}

/**
 * A background loop with one way to start, stop, wake and drain it: passes never overlap, a
 * failure is reported and retried (with back-off if asked), stop() waits for the pass in flight.
 * Timers are unref'd: a task alone never keeps the process alive.
 */
export function createPeriodicTask<T>(opts: PeriodicTaskOptions<T>): PeriodicTask<T> {
  const coalesceMs = opts.coalesceMs ?? 0;
  let controller = new AbortController();
  let loop: Promise<void> | undefined;
  let current: Promise<unknown> | undefined;
  let woken = false;
  let interrupt: { wakeable: boolean; done: () => void } | undefined;

  async function serialized<R>(run: (signal: AbortSignal) => Promise<R>): Promise<R> {
    while (current) await current.catch(() => undefined);
    const pass = run(controller.signal);
    current = pass;
    try {
      return await pass;
    } finally {
      if (current === pass) current = undefined;
    }
  }

  function pause(ms: number, wakeable: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      interrupt = { wakeable, done };
    });
  }

  async function runLoop(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      woken = false;
      let delay = opts.intervalMs;
      let wakeable = true;
      try {
        const result = await serialized(opts.run);
        if (failures > 0) opts.onRecovered?.(failures);
        failures = 0;
        if (opts.again?.(result)) delay = 0;
      } catch (err) {
        failures++;
        opts.onError(err, failures);
        if (opts.maxBackoffMs !== undefined) {
          delay = Math.min(opts.maxBackoffMs, opts.intervalMs * 2 ** Math.min(failures - 1, 16));
          wakeable = false;
        }
      }
      if (signal.aborted) break;
      if (delay > 0 && !(woken && wakeable)) await pause(delay, wakeable);
      if (woken && wakeable && coalesceMs > 0 && !signal.aborted) await pause(coalesceMs, false);
    }
  }

  return {
    start() {
      if (loop || opts.intervalMs <= 0) return;
      if (controller.signal.aborted) controller = new AbortController();
      loop = runLoop(controller.signal);
    },

    async stop() {
      controller.abort();
      interrupt?.done();
      await loop;
      loop = undefined;
      while (current) await current.catch(() => undefined);
    },

    wake() {
      woken = true;
      if (interrupt?.wakeable) interrupt.done();
    },

    runOnce<R = T>(run?: (signal: AbortSignal) => Promise<R>): Promise<R> {
      // A pass asked for after stop() runs in full.
      if (!loop && controller.signal.aborted) controller = new AbortController();
      return serialized(run ?? (opts.run as unknown as (signal: AbortSignal) => Promise<R>));
    },

    get started() {
      return loop !== undefined;
    },
  };
}
