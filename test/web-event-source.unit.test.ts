// The web app's live streams (seat map, booking status) after a restarting instance or the edge
// answered 503: the browser's EventSource gives up for good then (readyState CLOSED), so the
// app opens the stream again with a growing, jittered backoff. A fake EventSource stands in for
// the browser's (pure logic: which URL is opened when); test/web-browser.test.ts covers the pages.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openReconnectingEventSource, type EventSourceLike } from '../apps/web/src/lib/reconnecting-event-source.ts';

class FakeSource implements EventSourceLike {
  readyState = 0;
  onopen: ((e: Event) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  closedByApp = false;
  readonly listeners = new Map<string, ((e: MessageEvent) => void)[]>();
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }
  addEventListener(type: string, listener: (e: MessageEvent) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close(): void {
    this.closedByApp = true;
    this.readyState = 2;
  }
  /** The server answered 503: the browser fails the connection for good. */
  refuse(): void {
    this.readyState = 2;
    this.onerror?.(new Event('error'));
  }
  /** A dropped connection: the browser reconnects by itself (readyState CONNECTING). */
  drop(): void {
    this.readyState = 0;
    this.onerror?.(new Event('error'));
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  emit(type: string, data: unknown, lastEventId: string): void {
    for (const l of this.listeners.get(type) ?? []) l(new MessageEvent(type, { data: JSON.stringify(data), lastEventId }));
  }
}

function harness() {
  const sources: FakeSource[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const received: unknown[] = [];
  const stream = openReconnectingEventSource(
    (url) => {
      const s = new FakeSource(url);
      sources.push(s);
      return s;
    },
    (last) => `/api/stream${last ? `?last=${last}` : ''}`,
    { status: (e) => received.push(JSON.parse(e.data as string)) },
    {},
    { random: () => 1, setTimer: (fn, ms) => timers.push({ fn, ms }), clearTimer: () => undefined },
  );
  return { stream, sources, timers, received };
}

describe('the web app’s stream helper', () => {
  it('opens the stream again after a 503, waiting longer after each refusal, and from the start once one opened', () => {
    const { sources, timers, stream } = harness();
    sources[0]!.refuse();
    assert.equal(sources[0]!.closedByApp, true);
    assert.deepEqual(
      timers.map((t) => t.ms),
      [1000],
    );
    timers.shift()!.fn();
    assert.equal(sources.length, 2);
    sources[1]!.refuse();
    timers.shift()!.fn();
    sources[2]!.refuse();
    assert.equal(timers[0]!.ms, 4000, '1 s, 2 s, 4 s …');
    timers.shift()!.fn();
    sources[3]!.open();
    sources[3]!.refuse();
    assert.equal(timers[0]!.ms, 1000, 'a stream that opened resets the backoff');
    assert.equal(stream.attempts, 4);
  });

  it('leaves a dropped connection to the browser (it reconnects with Last-Event-ID) and keeps the last id for a new stream', () => {
    const { sources, timers, received } = harness();
    sources[0]!.open();
    sources[0]!.emit('status', { status: 'processing' }, '3');
    sources[0]!.drop();
    assert.equal(timers.length, 0, 'no second stream while the browser reconnects');
    sources[0]!.emit('status', { status: 'confirmed' }, '4');
    sources[0]!.refuse();
    timers.shift()!.fn();
    assert.equal(sources[1]!.url, '/api/stream?last=4');
    assert.deepEqual(received, [{ status: 'processing' }, { status: 'confirmed' }]);
  });

  it('stops for good when the page closes it, also while waiting to retry', () => {
    const { sources, timers, stream } = harness();
    sources[0]!.refuse();
    stream.close();
    timers.shift()!.fn();
    assert.equal(sources.length, 1);
  });

  it('caps the wait at 30 s', () => {
    const { sources, timers } = harness();
    for (let i = 0; i < 8; i++) {
      sources.at(-1)!.refuse();
      timers.at(-1)!.fn();
    }
    assert.equal(Math.max(...timers.map((t) => t.ms)), 30_000);
  });
});
