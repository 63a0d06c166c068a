import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface SseOptions {
  /** Reconnection delay for the client, sent first (the `retry:` field). */
  retryMs: number;
  /** A comment line is sent this often, so proxies keep an idle stream open; 0: none. */
  heartbeatMs: number;
  /** The heartbeat comment's text. @defaultValue 'heartbeat' */
  heartbeatComment?: string;
  /** A client that stops reading is cut off once this much is buffered for it. @defaultValue 262144 (256 KiB) */
  maxBufferedBytes?: number;
}

export interface SseStream {
  /** The client's `Last-Event-ID` header (set when it reconnects), trimmed; undefined when absent or blank. */
  readonly lastEventId: string | undefined;
  /** True once the stream ended: closed by the server, cut off, or the client went away. */
  readonly closed: boolean;
  /** Sends one event: `id`, `event` and `data` (as JSON). Ignored once closed. */
  send(event: string, data: unknown, id: string | number): void;
  /** Sends a comment line (clients ignore it). */
  comment(text: string): void;
  /**
   * Sends a block already in text/event-stream form, ending in a blank line (e.g. relayed as
   * received); encoded once with encodeSseBlock when the same block goes to many streams.
   */
  sendBlock(raw: string | EncodedSseBlock): void;
  /** Starts the response (200, text/event-stream); what was written before is sent first. Returns the reply for the handler to return. */
  open(): FastifyReply;
  /** Ends the stream. */
  close(): void;
  /** Runs `listener` once when the stream ends, whatever the cause (at once if it has). */
  onClose(listener: () => void): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Open SSE streams (and event streams relayed from another server, see sendUntilDrained),
     * ended when the server drains or closes: they never end by themselves.
     */
    sseStreams?: Set<{ close(): void }>;
  }
}

const DEFAULT_MAX_BUFFERED = 256 * 1024;

/** A text/event-stream block encoded once, to be written to many streams (a fan-out) as it is. */
export interface EncodedSseBlock {
  /** The block's UTF-8 bytes. */
  readonly bytes: Buffer;
  /** The same bytes framed as one chunk of a chunked HTTP/1.1 body: `<size in hex>\r\n<bytes>\r\n`. */
  readonly chunk: Buffer;
}

/** Encodes a block (or several, concatenated) once: writing it then costs each stream no string work or framing. */
export function encodeSseBlock(raw: string): EncodedSseBlock {
  const size = Buffer.byteLength(raw);
  const head = `${size.toString(16)}\r\n`;
  const chunk = Buffer.allocUnsafe(head.length + size + 2);
  chunk.write(head, 0, 'latin1');
  chunk.write(raw, head.length, 'utf8');
  chunk.write('\r\n', head.length + size, 'latin1');
  return { bytes: chunk.subarray(head.length, head.length + size), chunk };
}

// One timer per heartbeat interval for every stream of the process, not one per stream.
const tickers = new Map<number, { timer: NodeJS.Timeout; beats: Set<() => void> }>();

function addHeartbeat(ms: number, beat: () => void): () => void {
  let ticker = tickers.get(ms);
  if (!ticker) {
    const beats = new Set<() => void>();
    const timer = setInterval(() => {
      for (const b of beats) b();
    }, ms);
    timer.unref();
    tickers.set(ms, (ticker = { timer, beats }));
  }
  const current = ticker;
  current.beats.add(beat);
  return () => {
    current.beats.delete(beat);
    if (current.beats.size === 0 && tickers.get(ms) === current) {
      clearInterval(current.timer);
      tickers.delete(ms);
    }
  };
}

/** Lets apps built without createApp end their streams on close too. */
export function closeSseStreamsOnShutdown(app: FastifyInstance): void {
  app.decorate('sseStreams', new Set<{ close(): void }>());
  app.addHook('preClose', async () => {
    for (const stream of [...(app.sseStreams ?? [])]) stream.close();
  });
}

/**
 * A Server-Sent-Events response: `id`/`event`/`data` frames, a heartbeat comment, the client's
 * `Last-Event-ID`, a cap on what is buffered for a client that stops reading (it is cut off and
 * reconnects), and an end when the server closes. Create it, write (buffered until open()), and
 * return `open()` from the handler once the request is known to be valid.
 */
export function createSseStream(request: FastifyRequest, reply: FastifyReply, opts: SseOptions): SseStream {
  // Holds what is written before the response starts; Fastify sends it after the headers.
  const body = new PassThrough();
  const res = reply.raw;
  const maxBuffered = opts.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
  const header = request.headers['last-event-id'];
  const lastEventId = (Array.isArray(header) ? header[0] : header)?.trim() || undefined;
  const registry = request.server.sseStreams;
  const listeners: (() => void)[] = [];
  let closed = false;
  let ended = false;
  let opened = false;
  // True once the headers and everything written before went out: from then on a write goes to
  // the response itself, not through the PassThrough and the pipe (a fan-out writes one block
  // to thousands of streams in one turn, and every step per write shows in the last one's delay).
  let direct = false;
  let stopHeartbeat: (() => void) | undefined;

  const write = (block: string | EncodedSseBlock) => {
    if (closed) return;
    direct ||= opened && res.headersSent && body.readableLength === 0;
    if (!direct) {
      body.write(typeof block === 'string' ? block : block.bytes);
      if (body.writableLength > maxBuffered) stream.close();
      return;
    }
    // A chunked response (HTTP/1.1) whose socket is its own (not queued behind a pipelined
    // response): the chunk, framed here (or once for all streams), goes straight to the socket in
    // one write. Node would frame every write anew, and cork, uncork and writev four pieces per
    // write. res.end() still writes the last chunk.
    const socket = res.socket;
    if (socket && res.chunkedEncoding)
      socket.write(typeof block === 'string' ? `${Buffer.byteLength(block).toString(16)}\r\n${block}\r\n` : block.chunk);
    else res.write(typeof block === 'string' ? block : block.bytes);
    if (res.writableLength > maxBuffered) stream.close();
  };

  function finish(): void {
    if (ended) return;
    ended = true;
    closed = true;
    stopHeartbeat?.();
    registry?.delete(stream);
    for (const listener of listeners.splice(0)) listener();
  }

  const stream: SseStream = {
    lastEventId,
    get closed() {
      return closed;
    },
    send(event, data, id) {
      write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    comment(text) {
      write(`: ${text}\n\n`);
    },
    sendBlock(raw) {
      write(raw);
    },
    open() {
      opened = true;
      if (!closed) {
        registry?.add(stream);
        const comment = encodeSseBlock(`: ${opts.heartbeatComment ?? 'heartbeat'}\n\n`);
        if (opts.heartbeatMs > 0) stopHeartbeat = addHeartbeat(opts.heartbeatMs, () => write(comment));
        body.on('close', finish);
        res.on('close', () => {
          body.destroy();
          finish();
        });
        // Opened after the drain began (its request was in flight): the drain has already ended
        // the others, so this one ends after its opening too, and its client reconnects elsewhere.
        if (request.server.draining) stream.close();
      }
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache, no-transform')
        .header('x-accel-buffering', 'no')
        .send(body);
    },
    close() {
      if (closed) return;
      closed = true;
      // Through the pipe, after what it still holds: Fastify ends the response with it.
      body.end();
      finish();
    },
    onClose(listener) {
      if (ended) listener();
      else listeners.push(listener);
    },
  };
  write(`retry: ${opts.retryMs}\n\n`);
  return stream;
}

/** One block of a text/event-stream: its fields (data lines joined), its comment, and its text as received. */
export interface SseBlock {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
  /** The block as received, blank line included: to pass it on unchanged. */
  raw: string;
}

/**
 * The parsing half of an EventSource: feed it a text/event-stream as it arrives, chunk by chunk,
 * and it calls `onBlock` for each complete block.
 */
export function createSseParser(onBlock: (block: SseBlock) => void): { push(chunk: Uint8Array | string): void } {
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    push(chunk) {
      buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const raw = buffer.slice(0, end + 2);
        buffer = buffer.slice(end + 2);
        const block: SseBlock = { raw };
        for (const line of raw.slice(0, end).split('\n')) {
          if (line.startsWith(':')) block.comment = line.slice(1).trim();
          else if (line.startsWith('id: ')) block.id = line.slice(4);
          else if (line.startsWith('event: ')) block.event = line.slice(7);
          else if (line.startsWith('data: ')) block.data = (block.data ?? '') + line.slice(6);
        }
        onBlock(block);
      }
    },
  };
}
