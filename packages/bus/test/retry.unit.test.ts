import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DependencyUnavailableError, TransientError, UnrecoverableError } from '@ticketing/errors';
import { handleWithRetry } from '../src/retry.ts';
import type { ConsumeOptions, IncomingMessage } from '../src/types.ts';

const message: Omit<IncomingMessage, 'attempt'> = {
  topic: 't',
  key: 'k',
  raw: '{}',
  json: <T>() => ({}) as T,
  messageId: 'm',
  headers: {},
  partition: 0,
  offset: '0',
};

function options(handler: ConsumeOptions['handler']): ConsumeOptions {
  return { groupId: 'g', topics: ['t'], handler, maxAttempts: 3, retryBaseMs: 1, retryMaxMs: 2 };
}

describe('handleWithRetry', () => {
  it('dead-letters after maxAttempts ordinary failures', async () => {
    let calls = 0;
    const outcome = await handleWithRetry(
      message,
      options(async () => {
        calls++;
        throw new TransientError('smtp said 451');
      }),
      () => false,
    );
    assert.equal(outcome.kind, 'dead');
    assert.equal(calls, 3);
  });

  it('dead-letters an UnrecoverableError at once', async () => {
    let calls = 0;
    const outcome = await handleWithRetry(
      message,
      options(async () => {
        calls++;
        throw new UnrecoverableError('malformed');
      }),
      () => false,
    );
    assert.equal(outcome.kind, 'dead');
    assert.equal(calls, 1);
  });

  it('keeps retrying through a database outage without using up attempts, then handles the message', async () => {
    let calls = 0;
    const attempts: number[] = [];
    const outcome = await handleWithRetry(
      message,
      options(async (m) => {
        calls++;
        attempts.push(m.attempt);
        // Ten failures because the database is down (wrapped, as a repository might), then one
        // ordinary failure, then success: 11 failures, but only one of them counts.
        if (calls <= 10)
          throw new TransientError('could not load the booking', { cause: new DependencyUnavailableError('database', 'down') });
        if (calls === 11) throw new Error('flaky');
      }),
      () => false,
    );
    assert.equal(outcome.kind, 'done');
    assert.equal(calls, 12);
    assert.deepEqual(attempts, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('stops waiting for the dependency when the consumer stops (the message stays uncommitted)', async () => {
    let stopping = false;
    await assert.rejects(
      handleWithRetry(
        message,
        options(async () => {
          stopping = true;
          throw new DependencyUnavailableError('database', 'down');
        }),
        () => stopping,
      ),
      DependencyUnavailableError,
    );
  });

  it(
    'cuts a backoff short when the consumer stops: the message is left to the next consumer, not dead-lettered',
    { timeout: 30_000 },
    async () => {
      const stopped = new AbortController();
      let seen: AbortSignal | undefined;
      let calls = 0;
      const handling = handleWithRetry(
        message,
        {
          ...options(async (m) => {
            calls++;
            seen = m.stopping;
            throw new TransientError('gateway busy');
          }),
          // A backoff far longer than the test's timeout: only the stop ends it.
          retryBaseMs: 600_000,
          retryMaxMs: 600_000,
          maxAttempts: 1_000,
        },
        () => stopped.signal.aborted,
        stopped.signal,
      );
      await new Promise((r) => setTimeout(r, 20));
      stopped.abort();
      await assert.rejects(handling, TransientError);
      assert.equal(calls, 1);
      assert.equal(seen, stopped.signal, 'the handler sees the stop signal');
    },
  );

  it('leaves a message that fails while the consumer stops uncommitted, even at its last attempt', async () => {
    await assert.rejects(
      handleWithRetry(
        message,
        {
          ...options(async () => {
            throw new TransientError('the worker is stopping');
          }),
          maxAttempts: 1,
        },
        () => true,
      ),
      TransientError,
    );
  });
});
