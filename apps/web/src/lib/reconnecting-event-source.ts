/** What this module needs of a browser EventSource (a fake one in the unit test). */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((e: Event) => void) | null;
  onerror: ((e: Event) => void) | null;
  addEventListener(type: string, listener: (e: MessageEvent) => void): void;
  close(): void;
}

export interface ReconnectOptions {
  /** First wait after the browser gave up on a stream. @defaultValue 1000 */
  baseMs?: number;
  /** Longest wait. @defaultValue 30000 */
  maxMs?: number;
  /** 0..1; the default is Math.random (jitter, so a restarted server is not hit by every client at once). */
  random?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

/** EventSource.CLOSED: the browser will not reconnect by itself. */
const CLOSED = 2;

/**
 * Keeps a Server-Sent-Events stream open. The browser's EventSource reconnects by itself after a
 * dropped connection or a stream the server ended (a draining instance), sending Last-Event-ID.
 * But after an answer that is not a stream (a 503 from a restarting instance or the edge) it
 * gives up for good: then a new EventSource is opened after a backoff (1 s, 2 s, 4 s … 30 s,
 * with jitter), reset once a stream opens. A new EventSource cannot send Last-Event-ID, so
 * `url(lastEventId)` may carry it; the streams of this platform send their current state on
 * every connection (booking status, seat-map snapshot) so nothing is missed either way.
 */
export function openReconnectingEventSource(
  create: (url: string) => EventSourceLike,
  url: (lastEventId: string | undefined) => string,
  listeners: Record<string, (e: MessageEvent) => void>,
  callbacks: { onOpen?: () => void; onError?: (e: Event) => void } = {},
  options: ReconnectOptions = {},
): { close(): void; readonly attempts: number } {
  const baseMs = options.baseMs ?? 1000;
  const maxMs = options.maxMs ?? 30_000;
  const random = options.random ?? Math.random;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  let source: EventSourceLike | undefined;
  let timer: unknown;
  let failures = 0;
  let attempts = 0;
  let lastEventId: string | undefined;
  let closed = false;

  function open(): void {
    attempts++;
    const current = create(url(lastEventId));
    source = current;
    for (const [name, listener] of Object.entries(listeners)) {
      current.addEventListener(name, (e) => {
        if (e.lastEventId) lastEventId = e.lastEventId;
        listener(e);
      });
    }
    current.onopen = () => {
      failures = 0;
      callbacks.onOpen?.();
    };
    current.onerror = (e) => {
      callbacks.onError?.(e);
      if (closed || current.readyState !== CLOSED || source !== current) return;
      // The browser gave up (an answer that is not a stream): try again later, more slowly each time.
      current.close();
      const wait = Math.min(maxMs, baseMs * 2 ** failures) * (0.5 + random() / 2);
      failures++;
      timer = setTimer(() => {
        timer = undefined;
        if (!closed) open();
      }, wait);
    };
  }

  open();
  return {
    close() {
      closed = true;
      if (timer !== undefined) clearTimer(timer);
      source?.close();
    },
    get attempts() {
      return attempts;
    },
  };
}
