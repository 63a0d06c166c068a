// The seat-map stream, fanned out at the edge: one stream from the event service per event,
// however many browsers watch it.
//
// Forwarding each browser's stream on its own (what the proxy plugin does for every other route)
// doubles the work per seat change: the event service writes it N times, and the edge reads it N
// times before writing it N times. On a small machine that work queues up behind itself and
// shows in the p99 (docs/benchmarks.md, "SSE through the edge"). Here the service writes each
// change once to the edge, and the edge writes it to its N browsers.
//
// What a browser sees is the service's own stream: the same `retry`, `snapshot` and `seats`
// blocks, and the same JSON error when the event does not exist. The first browser of an event
// gets the shared stream's opening (its snapshot, or its error). A browser that joins later gets
// its own opening from the service (its own snapshot, read after the shared stream was in place),
// and the changes that arrive on the shared stream meanwhile are kept and sent after it, so none
// is missed.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createSseParser, createSseStream, encodeSseBlock, type EncodedSseBlock, type Logger, type SseStream } from '@ticketing/http';

export interface SeatStreamRelayOptions {
  /** The event service's base URL. */
  upstream: string;
  logger: Logger;
  heartbeatMs: number;
  /** Time to the service's response headers (and its snapshot) before giving up. */
  openingTimeoutMs: number;
  /** A browser whose opening is slow is cut off (it reconnects) once this many changes wait for it. */
  maxPending?: number;
}

/** How an opening ended: the snapshot block to send first, or the service's answer to pass on. */
type Opening = { ok: true; snapshot: string } | { ok: false; status: number; contentType: string; body: string; retryAfter: string | null };

interface Client {
  sse: SseStream | undefined;
  /** Changes that arrived before the browser's own opening was sent; undefined once live. */
  pending: EncodedSseBlock[] | undefined;
  /** More changes waited than maxPending: the browser is sent its opening, then cut off to reconnect. */
  overflowed: boolean;
}

interface Topic {
  clients: Set<Client>;
  /** Settles with the shared stream's own opening: its snapshot means the service's subscription is in place. */
  opened: Promise<Opening>;
  controller: AbortController;
  closed: boolean;
}

const RETRY_MS = 3000;

function unavailable(retryAfter = '5'): Opening {
  return {
    ok: false,
    status: 503,
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify({
      error: 'service_unavailable',
      message: 'The event service is not available right now. Please try again in a moment.',
      details: { upstream: 'events' },
    }),
    retryAfter,
  };
}

/**
 * Reads a seat stream's opening: the blocks up to its snapshot (or the service's note that the
 * snapshot is unavailable). `onChanges` gets the `seats` blocks, those of the opening included:
 * those that arrived together (one read from the socket) as one text, written to a browser in
 * one write.
 */
async function readOpening(res: Response, onOpened: (snapshot: string) => void, onChanges: (raw: string) => void): Promise<void> {
  let opened = false;
  let changes = '';
  const parser = createSseParser((block) => {
    if (block.event === 'seats') changes += block.raw;
    else if (!opened && (block.event === 'snapshot' || block.comment === 'snapshot unavailable')) {
      opened = true;
      onOpened(block.raw);
    }
  });
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    parser.push(chunk);
    if (changes === '') continue;
    const raw = changes;
    changes = '';
    onChanges(raw);
  }
}

/** Anything but a 200 event stream is the service's answer to pass on as it is (an error, mostly). */
function isStream(res: Response): boolean {
  return res.status === 200 && res.body !== null && (res.headers.get('content-type') ?? '').startsWith('text/event-stream');
}

async function openingError(res: Response): Promise<Opening> {
  return {
    ok: false,
    status: res.status,
    contentType: res.headers.get('content-type') ?? 'application/json; charset=utf-8',
    body: await res.text(),
    retryAfter: res.headers.get('retry-after'),
  };
}

function sendOpeningError(reply: FastifyReply, opening: Extract<Opening, { ok: false }>): FastifyReply {
  if (opening.retryAfter) void reply.header('retry-after', opening.retryAfter);
  return reply.code(opening.status).type(opening.contentType).send(opening.body);
}

export function createSeatStreamRelay(opts: SeatStreamRelayOptions) {
  const topics = new Map<string, Topic>();
  const maxPending = opts.maxPending ?? 10_000;

  function deliver(client: Client, block: EncodedSseBlock): void {
    if (client.pending) {
      client.pending.push(block);
      if (client.pending.length > maxPending) {
        client.overflowed = true;
        client.pending = [];
      }
    } else client.sse?.sendBlock(block);
  }

  function closeTopic(key: string, topic: Topic): void {
    topic.closed = true;
    if (topics.get(key) === topic) topics.delete(key);
    topic.controller.abort();
    // Its browsers reconnect after `retry` and get a new shared stream.
    for (const client of topic.clients) client.sse?.close();
  }

  /** `path`: the stream's path without a query string, which is also the topic's key. */
  function openTopic(path: string, requestId: string): Topic {
    const controller = new AbortController();
    let settle: (opening: Opening) => void = () => undefined;
    const topic: Topic = { clients: new Set(), controller, closed: false, opened: new Promise((resolve) => (settle = resolve)) };
    topics.set(path, topic);
    const openingTimer = setTimeout(() => controller.abort(), opts.openingTimeoutMs);
    void (async () => {
      try {
        const res = await fetch(`${opts.upstream}${path}`, {
          headers: { accept: 'text/event-stream', 'x-request-id': requestId },
          signal: controller.signal,
        });
        if (!isStream(res)) {
          settle(await openingError(res));
          return;
        }
        await readOpening(
          res,
          (snapshot) => {
            clearTimeout(openingTimer);
            settle({ ok: true, snapshot });
          },
          (raw) => {
            // Encoded once for all of the event's browsers: each write is then the socket's alone.
            const block = encodeSseBlock(raw);
            for (const client of topic.clients) deliver(client, block);
          },
        );
        opts.logger.info({ path }, 'seat stream relay: the event service ended the shared stream');
      } catch (err) {
        if (!controller.signal.aborted || topic.clients.size > 0)
          opts.logger.warn({ err, path }, 'seat stream relay: the shared stream failed');
      } finally {
        clearTimeout(openingTimer);
        settle(unavailable());
        closeTopic(path, topic);
      }
    })();
    return topic;
  }

  /** A later browser's own opening: the service's validation and snapshot, then hang up. */
  async function ownOpening(path: string, requestId: string): Promise<Opening> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), opts.openingTimeoutMs);
    let snapshot: string | undefined;
    try {
      const res = await fetch(`${opts.upstream}${path}`, {
        headers: { accept: 'text/event-stream', 'x-request-id': requestId },
        signal: controller.signal,
      });
      if (!isStream(res)) return await openingError(res);
      await readOpening(
        res,
        (raw) => {
          snapshot = raw;
          controller.abort();
        },
        // The shared stream carries the changes (and keeps them for this browser meanwhile).
        () => undefined,
      );
    } catch (err) {
      if (snapshot === undefined) {
        opts.logger.warn({ err, requestId }, 'seat stream relay: opening failed');
        return unavailable();
      }
    } finally {
      clearTimeout(timer);
    }
    return snapshot === undefined ? unavailable() : { ok: true, snapshot };
  }

  return {
    /** Handles GET /api/events/:id/seats/stream. */
    async handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
      const query = request.url.indexOf('?');
      const path = query < 0 ? request.url : request.url.slice(0, query);
      // The service judges a query string before anything else (an unknown parameter is a 400):
      // ask it first, so the answer is the one it gives directly.
      if (query >= 0) {
        const judged = await ownOpening(request.url, request.id);
        if (!judged.ok) return sendOpeningError(reply, judged);
      }
      const existing = topics.get(path);
      const topic = existing ?? openTopic(path, request.id);
      const client: Client = { sse: undefined, pending: [], overflowed: false };
      topic.clients.add(client);
      let gone = false;
      const detach = () => {
        gone = true;
        topic.clients.delete(client);
        if (topic.clients.size === 0 && topics.get(path) === topic) closeTopic(path, topic);
      };
      // A browser that leaves during its opening stops counting at once.
      reply.raw.once('close', detach);

      let opening = await topic.opened;
      // A later browser, or one with a query string (the service judges it), gets its own opening.
      if (opening.ok && (existing !== undefined || query >= 0)) opening = await ownOpening(request.url, request.id);
      if (!opening.ok) {
        detach();
        return sendOpeningError(reply, opening);
      }
      const sse = createSseStream(request, reply, { retryMs: RETRY_MS, heartbeatMs: opts.heartbeatMs });
      client.sse = sse;
      sse.onClose(detach);
      sse.sendBlock(opening.snapshot);
      for (const block of client.pending ?? []) sse.sendBlock(block);
      client.pending = undefined;
      // The shared stream ended meanwhile, or too much waited: the opening, then a reconnect.
      if (gone || topic.closed || client.overflowed) sse.close();
      return sse.open();
    },

    /** Browsers watching seat maps through this edge. */
    clientCount(): number {
      let n = 0;
      for (const topic of topics.values()) n += topic.clients.size;
      return n;
    },

    /** Events with a shared stream open. */
    topicCount(): number {
      return topics.size;
    },
  };
}

export type SeatStreamRelay = ReturnType<typeof createSeatStreamRelay>;
