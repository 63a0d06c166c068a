// Requests started before the app's script has loaded (by the inline script in index.html) or
// before the component that needs them renders, so that they run in parallel instead of one
// after the other. Each is taken once; an old one is not used (the page reloads its data anyway).

const MAX_AGE_MS = 10_000;

interface Preloaded {
  at: number;
  response: Promise<Response>;
}

declare global {
  interface Window {
    /** Filled by index.html's inline script: key → the started fetch. */
    __preload?: Record<string, Preloaded>;
  }
}

function store(): Record<string, Preloaded> {
  return (window.__preload ??= {});
}

/** Starts GET `url` under `key` unless it is already under way. */
export function preload(key: string, url: string): void {
  const current = store()[key];
  if (current && performance.now() - current.at < MAX_AGE_MS) return;
  const response = fetch(url, { credentials: 'same-origin' });
  response.catch(() => undefined); // a failure is seen by whoever takes it
  store()[key] = { at: performance.now(), response };
}

/**
 * The JSON body of a preloaded 2xx response, or undefined when nothing usable was preloaded
 * (none, too old, failed, or an error status: the caller then asks the API itself, with its
 * credentials, and shows that answer's error).
 */
export async function takePreloaded<T>(key: string): Promise<T | undefined> {
  const entry = store()[key];
  if (!entry) return undefined;
  delete store()[key];
  if (performance.now() - entry.at > MAX_AGE_MS) return undefined;
  try {
    const res = await entry.response;
    return res.ok ? ((await res.json()) as T) : undefined;
  } catch {
    return undefined;
  }
}

export const preloadKeys = {
  event: (id: string) => `event:${id}`,
  seatMap: (id: string) => `seats:${id}`,
};

/** The seat map of an event page, started beside the event's own request. */
export function preloadSeatMap(eventId: string): void {
  preload(preloadKeys.seatMap(eventId), `/api/events/${encodeURIComponent(eventId)}/seats/compact`);
}
