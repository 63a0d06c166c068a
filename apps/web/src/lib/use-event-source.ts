import { useEffect, useRef } from 'react';
import { openReconnectingEventSource } from './reconnecting-event-source.ts';

/**
 * Subscribes to a Server-Sent Events URL for as long as the component is mounted. The browser's
 * EventSource reconnects by itself (with Last-Event-ID) after a dropped connection; after an
 * answer that is not a stream (503 from a restarting instance or the edge) the stream is opened
 * again with a backoff (openReconnectingEventSource). Handlers are read through a ref, so
 * re-renders never reopen the stream.
 */
export function useEventSource(
  url: string | null,
  handlers: Record<string, (data: unknown, e: MessageEvent) => void>,
  onOpen?: () => void,
): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  const openRef = useRef(onOpen);
  openRef.current = onOpen;
  useEffect(() => {
    if (!url) return;
    const listeners = Object.fromEntries(
      Object.keys(ref.current).map((name) => [
        name,
        (e: MessageEvent) => {
          let data: unknown = e.data;
          try {
            data = JSON.parse(e.data as string);
          } catch {
            // not JSON: pass the text
          }
          ref.current[name]?.(data, e);
        },
      ]),
    );
    const stream = openReconnectingEventSource(
      (u) => new EventSource(u),
      () => url,
      listeners,
      { onOpen: () => openRef.current?.() },
    );
    return () => stream.close();
  }, [url]);
}
