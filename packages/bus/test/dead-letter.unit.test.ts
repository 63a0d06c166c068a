import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UnrecoverableError } from '@ticketing/errors';
import { handleOrDeadLetter, receivedMessage } from '../src/dead-letter.ts';
import type { ConsumeOptions, IncomingMessage, OutgoingMessage, Publisher } from '../src/types.ts';

const message = (raw = '{"booking_id":"b1"}') => receivedMessage('booking-requests', 'b1', raw, 'm-1', { traceparent: 't' }, 2, '41');

function fakePublisher(failures = 0) {
  const published: OutgoingMessage[] = [];
  let left = failures;
  const publisher: Publisher = {
    async publish(messages) {
      if (left-- > 0) throw new Error('broker unavailable');
      published.push(...messages);
    },
    async close() {},
  };
  return { publisher, published };
}

const options = (handler: ConsumeOptions['handler'], extra: Partial<ConsumeOptions> = {}): ConsumeOptions => ({
  groupId: 'g',
  topics: ['booking-requests'],
  maxAttempts: 3,
  retryBaseMs: 1,
  retryMaxMs: 2,
  handler,
  ...extra,
});

describe('receivedMessage', () => {
  it('parses its value with json() and throws UnrecoverableError when it is not JSON', () => {
    assert.deepEqual(message().json(), { booking_id: 'b1' });
    assert.throws(() => message('not json').json(), UnrecoverableError);
  });
});

describe('handleOrDeadLetter', () => {
  it('does not dead-letter a message the handler accepts, even after retries', async () => {
    const { publisher, published } = fakePublisher();
    const attempts: number[] = [];
    await handleOrDeadLetter(
      message(),
      options(async (m) => {
        attempts.push(m.attempt);
        if (m.attempt < 2) throw new Error('transient');
      }),
      publisher,
      () => false,
    );
    assert.deepEqual(attempts, [1, 2]);
    assert.deepEqual(published, []);
  });

  it('after maxAttempts, publishes a copy on <topic>.dlq saying where it came from and why, then calls onDeadLetter', async () => {
    const { publisher, published } = fakePublisher();
    const hooked: [IncomingMessage, unknown][] = [];
    const warned: object[] = [];
    await handleOrDeadLetter(
      message(),
      options(
        async () => {
          throw new TypeError('seat service down');
        },
        { onDeadLetter: (m, err) => void hooked.push([m, err]) },
      ),
      publisher,
      () => false,
      { warn: (obj) => void warned.push(obj) },
    );
    assert.deepEqual(published, [
      {
        topic: 'booking-requests.dlq',
        key: 'b1',
        value: { raw: '{"booking_id":"b1"}', error: 'seat service down' },
        messageId: 'm-1',
        headers: {
          traceparent: 't',
          'dlq-original-topic': 'booking-requests',
          'dlq-partition': '2',
          'dlq-offset': '41',
          'dlq-error': 'seat service down',
          'dlq-error-type': 'TypeError',
        },
      },
    ]);
    assert.equal(hooked.length, 1);
    assert.equal(hooked[0]![0].attempt, 3);
    assert.equal((hooked[0]![1] as Error).message, 'seat service down');
    assert.equal(warned.length, 1);
  });

  it('dead-letters at the first attempt a message whose value is not JSON', async () => {
    const { publisher, published } = fakePublisher();
    let attempts = 0;
    await handleOrDeadLetter(
      message('{oops'),
      options(async (m) => {
        attempts++;
        m.json();
      }),
      publisher,
      () => false,
    );
    assert.equal(attempts, 1);
    assert.equal(published[0]!.headers!['dlq-error-type'], 'UnrecoverableError');
  });

  it('retries the dead-letter publish until it succeeds', async () => {
    const { publisher, published } = fakePublisher(2);
    await handleOrDeadLetter(
      message(),
      options(async () => {
        throw new UnrecoverableError('bad booking');
      }),
      publisher,
      () => false,
    );
    assert.equal(published.length, 1);
  });

  it('rejects, leaving the message uncommitted, when the dead-letter step fails while the consumer stops', async () => {
    const { publisher } = fakePublisher(Number.POSITIVE_INFINITY);
    await assert.rejects(
      handleOrDeadLetter(
        message(),
        options(async () => {
          throw new UnrecoverableError('bad booking');
        }),
        publisher,
        () => true,
      ),
      /broker unavailable/,
    );
  });
});
