/**
 * Group commit in the application: calls that arrive together are executed as one set-based
 * statement (one round trip, one transaction, one WAL flush) instead of one each, and every
 * caller still gets its own result. Calls arriving while `maxInFlight` batches run form the next
 * batch.
 */
export interface GroupCommitOptions<I, O> {
  /** Runs one batch; returns one output per input, in the same order. */
  execute: (inputs: I[]) => Promise<O[]>;
  /** @defaultValue 500 */
  maxBatch?: number;
  /** Batches executing at once (each holds one pooled connection). @defaultValue 4 */
  maxInFlight?: number;
  /**
   * How long the first call of a batch waits for company. Unset: until the current turn of the
   * event loop ends, so an idle system pays no delay. 0: a batch starts at once (only calls
   * queued behind busy batches are grouped). A full batch never waits. @defaultValue unset
   */
  windowMs?: number;
  /** Runs a batch of one (e.g. the single-request statement) instead of `execute`. */
  executeOne?: (input: I) => Promise<O>;
  /**
   * When a batch fails as a whole, each of its calls is decided again by this, alone (it must
   * keep what the failed batch had already committed). Unset: every call of the batch fails.
   */
  retryEach?: (input: I) => Promise<O>;
  /** A batch failed as a whole (before its calls are retried one by one, or rejected). */
  onBatchFailed?: (err: unknown, size: number) => void;
  /** Observes every batch: its size and how long it took, in seconds. */
  onBatch?: (size: number, seconds: number) => void;
}

export type GroupCommit<I, O> = ((input: I) => Promise<O>) & {
  /** Calls waiting for a batch or being decided in one now (a gauge of how far behind it is). */
  readonly pending: number;
};

interface Pending<I, O> {
  input: I;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

export function createGroupCommit<I, O>(opts: GroupCommitOptions<I, O>): GroupCommit<I, O> {
  const maxBatch = opts.maxBatch ?? 500;
  const maxInFlight = opts.maxInFlight ?? 4;
  const { windowMs, executeOne, retryEach, onBatch } = opts;
  const perTurn = windowMs === undefined;
  let queue: Pending<I, O>[] = [];
  let inFlight = 0;
  let deciding = 0;
  let scheduled = false;
  let timer: NodeJS.Timeout | undefined;

  function schedule(): void {
    if (queue.length === 0 || inFlight >= maxInFlight) return;
    if (perTurn) {
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    } else if (queue.length >= maxBatch || windowMs <= 0) {
      flush();
    } else {
      timer ??= setTimeout(flush, windowMs);
    }
  }

  function flush(): void {
    scheduled = false;
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    while (queue.length > 0 && inFlight < maxInFlight) {
      // The whole queue when it fits (no copy), else its first maxBatch calls.
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      inFlight++;
      void run(batch).finally(done);
    }
  }

  function done(): void {
    inFlight--;
    // Per turn: the calls queued meanwhile are joined by those of this turn. With a window:
    // they have waited long enough already.
    if (perTurn) schedule();
    else if (queue.length > 0) flush();
  }

  async function run(batch: Pending<I, O>[]): Promise<void> {
    const started = onBatch ? performance.now() : 0;
    deciding += batch.length;
    try {
      await decide(batch);
    } finally {
      deciding -= batch.length;
      onBatch?.(batch.length, (performance.now() - started) / 1000);
    }
  }

  async function decide(batch: Pending<I, O>[]): Promise<void> {
    if (batch.length === 1 && executeOne) {
      const only = batch[0]!;
      await executeOne(only.input).then(only.resolve, only.reject);
      return;
    }
    let outputs: O[];
    try {
      outputs = await opts.execute(batch.map((p) => p.input));
    } catch (err) {
      opts.onBatchFailed?.(err, batch.length);
      if (!retryEach) {
        for (const p of batch) p.reject(err);
        return;
      }
      await Promise.all(batch.map((p) => retryEach(p.input).then(p.resolve, p.reject)));
      return;
    }
    for (let i = 0; i < batch.length; i++) batch[i]!.resolve(outputs[i]!);
  }

  const call = (input: I) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ input, resolve, reject });
      schedule();
    });
  return Object.defineProperty(call, 'pending', { get: () => queue.length + deciding }) as GroupCommit<I, O>;
}

/**
 * Runs `execute` on the distinct keys of a batch and hands every input the output of its key:
 * two calls for one key in the same batch must not both "win". `duplicate` gives a later call
 * for a key what it gets instead (the row for a read, undefined for a conditional write).
 */
export function byKey<I, O>(
  key: (input: I) => string,
  execute: (inputs: I[]) => Promise<Map<string, O>>,
  duplicate: (first: O | undefined) => O | undefined,
) {
  return async (inputs: I[]): Promise<(O | undefined)[]> => {
    const first = new Map<string, number>();
    const distinct: I[] = [];
    inputs.forEach((input, i) => {
      if (!first.has(key(input))) {
        first.set(key(input), i);
        distinct.push(input);
      }
    });
    const results = await execute(distinct);
    return inputs.map((input, i) => {
      const k = key(input);
      const out = results.get(k);
      return first.get(k) === i ? out : duplicate(out);
    });
  };
}
