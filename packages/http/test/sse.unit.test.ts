import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@ticketing/testing';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import { closeSseStreamsOnShutdown, createSseStream, encodeSseBlock, type SseStream } from '../src/sse.ts';

const until = (condition: () => boolean, what: string) => waitFor(condition, what, 5_000, 5);

/** Reads a stream's text as it arrives. */
function collect(body: ReadableStream<Uint8Array>) {
  const state = { text: '', ended: false };
  const decoder = new TextDecoder();
  const done = (async () => {
    try {
      for await (const chunk of body) state.text += decoder.decode(chunk, { stream: true });
    } catch {
      // aborted by the test
    }
    state.ended = true;
  })();
  return { state, done };
}

/** The body of a chunked HTTP/1.1 response, checked chunk by chunk (sizes in bytes) up to the last chunk. */
function dechunk(bytes: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = bytes.indexOf('\r\n', at);
    assert.ok(eol > at, `a chunk size at byte ${at}`);
    const size = parseInt(bytes.subarray(at, eol).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts).toString();
    parts.push(bytes.subarray(eol + 2, eol + 2 + size));
    assert.equal(bytes.subarray(eol + 2 + size, eol + 4 + size).toString(), '\r\n', 'each chunk ends with CRLF');
    at = eol + 4 + size;
  }
}

describe('createSseStream', () => {
  let app: FastifyInstance;
  let base: string;
  const opened: SseStream[] = [];
  let cap = 256 * 1024;

  before(async () => {
    app = Fastify();
    closeSseStreamsOnShutdown(app);
    app.get('/stream', async (request, reply) => {
      const sse = createSseStream(request, reply, { retryMs: 1500, heartbeatMs: 30, heartbeatComment: 'beat', maxBufferedBytes: cap });
      opened.push(sse);
      sse.send('hello', { last: sse.lastEventId ?? null }, 1);
      return sse.open();
    });
    app.get('/final', async (request, reply) => {
      const sse = createSseStream(request, reply, { retryMs: 1000, heartbeatMs: 0 });
      sse.send('done', { ok: true }, 'x-1');
      sse.close();
      return sse.open();
    });
    app.get('/missing', async (request, reply) => {
      createSseStream(request, reply, { retryMs: 1000, heartbeatMs: 0 });
      return reply.status(404).send({ error: 'not_found' });
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => app.close());

  it('answers text/event-stream: the retry field, then id/event/data frames, with the client’s Last-Event-ID', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/stream`, { headers: { 'last-event-id': ' 41 ' }, signal: controller.signal });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-cache, no-transform');
    const { state, done } = collect(res.body!);
    await until(() => state.text.includes('data: '), 'the first frame');
    assert.ok(state.text.startsWith('retry: 1500\n\nid: 1\nevent: hello\ndata: {"last":"41"}\n\n'), state.text);
    opened.at(-1)!.send('change', { n: 2 }, 2);
    await until(() => state.text.includes('id: 2\nevent: change\ndata: {"n":2}\n\n'), 'the second frame');
    controller.abort();
    await done;
  });

  it('sends the heartbeat comment on idle streams', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/stream`, { signal: controller.signal });
    const { state, done } = collect(res.body!);
    await until(() => state.text.split(': beat\n\n').length >= 3, 'two heartbeats');
    controller.abort();
    await done;
  });

  it('runs onClose listeners when the client goes away, and ignores writes after', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/stream`, { signal: controller.signal });
    const { done } = collect(res.body!);
    const sse = opened.at(-1)!;
    let closed = 0;
    sse.onClose(() => closed++);
    controller.abort();
    await done;
    await until(() => closed === 1, 'onClose');
    assert.equal(sse.closed, true);
    sse.send('late', {}, 9);
    sse.onClose(() => closed++);
    assert.equal(closed, 2, 'a listener added after the end runs at once');
  });

  it('sends what was written before a close() that came before open(), then ends', async () => {
    const res = await fetch(`${base}/final`);
    assert.equal(await res.text(), 'retry: 1000\n\nid: x-1\nevent: done\ndata: {"ok":true}\n\n');
  });

  it('sends nothing of a stream that was never opened (the handler answered otherwise)', async () => {
    const res = await fetch(`${base}/missing`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: 'not_found' });
  });

  it('cuts off a client that stops reading once more than maxBufferedBytes is buffered for it', async () => {
    cap = 64 * 1024;
    const socket = net.connect((app.server.address() as AddressInfo).port, '127.0.0.1');
    socket.write('GET /stream HTTP/1.1\r\nhost: test\r\n\r\n');
    socket.pause(); // reads nothing: the kernel buffers fill, then the stream's own buffer grows
    await until(() => opened.length > 0 && !opened.at(-1)!.closed && opened.at(-1)!.lastEventId === undefined, 'the stream');
    const sse = opened.at(-1)!;
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 2000 && !sse.closed; i++) {
      sse.send('bulk', chunk, i);
      if (i % 20 === 0) await sleep(1);
    }
    assert.equal(sse.closed, true, 'the slow client was cut off');
    socket.destroy();
    cap = 256 * 1024;
  });

  it('ends every open stream when the server closes', async () => {
    const res = await fetch(`${base}/stream`);
    const { state, done } = collect(res.body!);
    await until(() => state.text.includes('event: hello'), 'the stream');
    await app.close();
    await done;
    assert.equal(state.ended, true);
    assert.equal(opened.at(-1)!.closed, true);
  });
});

describe('a block encoded once (encodeSseBlock), written to many streams', () => {
  let app: FastifyInstance;
  let port = 0;
  const opened: SseStream[] = [];

  before(async () => {
    app = Fastify();
    closeSseStreamsOnShutdown(app);
    app.get('/stream', async (request, reply) => {
      const sse = createSseStream(request, reply, { retryMs: 1500, heartbeatMs: 0 });
      opened.push(sse);
      sse.send('hello', {}, 1);
      return sse.open();
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  after(async () => app.close());

  /** A client on a raw socket, to see the response's framing as sent. */
  async function rawClient(version: string) {
    const count = opened.length;
    const socket = net.connect(port, '127.0.0.1');
    socket.write(`GET /stream HTTP/${version}\r\nhost: test\r\n\r\n`);
    const state = { bytes: Buffer.alloc(0), ended: false };
    socket.on('data', (d: Buffer) => (state.bytes = Buffer.concat([state.bytes, d])));
    socket.on('close', () => (state.ended = true));
    await until(() => opened.length > count, 'the stream');
    return { socket, state, sse: opened.at(-1)! };
  }

  it('reaches each stream intact, as chunks on HTTP/1.1 and as the body itself on HTTP/1.0', async () => {
    // Multi-byte text: a chunk's size counts bytes, not characters.
    const first = encodeSseBlock('event: seats\ndata: {"seats":["Å1"]}\n\n');
    const next = encodeSseBlock('event: seats\ndata: {"n":"∞"}\n\nevent: seats\ndata: {"n":3}\n\n');
    const clients = [await rawClient('1.1'), await rawClient('1.0'), await rawClient('1.1')];
    for (const { sse } of clients) sse.sendBlock(first);
    await until(() => clients.every((c) => c.state.bytes.includes('Å1')), 'the first block');
    for (const { sse } of clients) {
      sse.sendBlock(next);
      sse.close();
    }
    await until(() => clients.every((c) => c.state.ended || c.state.bytes.includes('\r\n0\r\n\r\n')), 'the end of each response');
    const expected = `retry: 1500\n\nid: 1\nevent: hello\ndata: {}\n\n${first.bytes.toString()}${next.bytes.toString()}`;
    for (const [i, { socket, state }] of clients.entries()) {
      const headEnd = state.bytes.indexOf('\r\n\r\n');
      const head = state.bytes.subarray(0, headEnd).toString();
      const body = state.bytes.subarray(headEnd + 4);
      if (i === 1) {
        assert.doesNotMatch(head, /transfer-encoding/i);
        assert.equal(body.toString(), expected);
      } else {
        assert.match(head, /transfer-encoding: chunked/i);
        assert.equal(dechunk(body), expected);
      }
      socket.destroy();
    }
  });
});
