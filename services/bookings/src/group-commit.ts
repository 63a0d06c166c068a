/**
 * Group commit in the application: calls made while earlier ones are being written (or in the
 * same turn of the event loop) are collected and executed together as one set-based statement,
 * so many bookings share one round trip and one WAL flush. Each caller still gets its own result.
 * An idle system pays no delay: a call waits at most for the current turn to end.
 */
export interface GroupCommitOptions<I, O> {
  /** Runs one batch; returns one output per input, in the same order. */
  execute: (inputs: I[]) => Promise<O[]>;
  /** @defaultValue 500 */
  maxBatch?: number;
  /** Batches executing at once (each holds one pooled connection). @defaultValue 4 */
  maxInFlight?: number;
}

export type GroupCommit<I, O> = (input: I) => Promise<O>;

interface Pending<I, O> {
  input: I;
  resolve: (value: O) => void;
  reject: (err: unknown) => void;
}

export function createGroupCommit<I, O>(opts: GroupCommitOptions<I, O>): GroupCommit<I, O> {
  const maxBatch = opts.maxBatch ?? 500;
  const maxInFlight = opts.maxInFlight ?? 4;
  let queue: Pending<I, O>[] = [];
  let inFlight = 0;
  let scheduled = false;

  const schedule = () => {
    if (scheduled || queue.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    setImmediate(flush);
  };

  function flush() {
    scheduled = false;
    while (queue.length > 0 && inFlight < maxInFlight) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      inFlight++;
      opts
        .execute(batch.map((p) => p.input))
        .then(
          (outputs) => batch.forEach((p, i) => p.resolve(outputs[i] as O)),
          (err: unknown) => batch.forEach((p) => p.reject(err)),
        )
        .finally(() => {
          inFlight--;
          schedule();
        });
    }
  }

  return (input) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ input, resolve, reject });
      schedule();
    });
}

/**
 * Runs `execute` on the distinct keys of a batch and hands every input the output of its key:
 * two calls for one booking in the same batch must not both "win".
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
