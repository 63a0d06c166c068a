import { useEffect, useRef } from 'react';

/**
 * Subscribes to a Server-Sent Events URL for as long as the component is mounted; the browser's
 * EventSource reconnects by itself. Handlers are read through a ref, so re-renders never reopen
 * the stream.
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
    const source = new EventSource(url);
    const listeners = Object.keys(ref.current).map((name) => {
      const listener = (e: MessageEvent) => {
        let data: unknown = e.data;
        try {
          data = JSON.parse(e.data as string);
        } catch {
          // not JSON: pass the text
        }
        ref.current[name]?.(data, e);
      };
      source.addEventListener(name, listener as EventListener);
      return [name, listener] as const;
    });
    source.onopen = () => openRef.current?.();
    return () => {
      for (const [name, l] of listeners) source.removeEventListener(name, l as EventListener);
      source.close();
    };
  }, [url]);
}
