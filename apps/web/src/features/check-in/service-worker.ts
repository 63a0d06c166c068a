// The scanner's service worker (docs/checkin.md#the-scanner-page-without-network): a door phone
// that opened the scanner once can open it again without the network. It keeps this build's app
// shell (index.html, scripts, styles) in a cache named after the build, answers a scanner page
// from the network first and from that cache without one, and answers nothing else: API calls
// always go to the network (the scanner keeps its own offline data, the ticket keys and the
// queued scans, in localStorage). Built on its own by vite.config.ts into /scanner-sw.js, a
// classic script, so it imports nothing at run time.
import { missingFromPrecache, SHELL_CACHE_PREFIX, SHELL_HTML, shellRouteOf } from './offline-shell.ts';

// Set by the build: a hash of the build's files, and the files to keep.
declare const __SCANNER_SW_VERSION__: string;
declare const __SCANNER_SW_PRECACHE__: string[];

// The little of the service worker scope used here (the DOM library the app compiles with lacks it).
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  readonly location: { readonly origin: string };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

const worker = self as unknown as WorkerScope;
const CACHE = `${SHELL_CACHE_PREFIX}${__SCANNER_SW_VERSION__}`;
const PRECACHE = __SCANNER_SW_PRECACHE__;
// A venue's weak network may take its time: past this, the page opens from the cache.
const NETWORK_WAIT_MS = 4000;

worker.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      // The shell is asked of the server (`no-cache`: revalidated, never an older copy); the other
      // files are named by their content, so a copy the browser already holds is the same file.
      const responses = await Promise.all(
        PRECACHE.map(async (file) => {
          const response = await fetch(new Request(file, { cache: file === SHELL_HTML ? 'no-cache' : 'default' }));
          if (!response.ok) throw new Error(`${file} answered ${response.status}`);
          return [file, response] as const;
        }),
      );
      const shell = responses.find(([file]) => file === SHELL_HTML);
      const missing = shell ? missingFromPrecache(await shell[1].clone().text(), PRECACHE) : [SHELL_HTML];
      if (missing.length > 0) throw new Error(`a newer build is deployed (its shell loads ${missing.join(', ')})`);
      const cache = await caches.open(CACHE);
      await Promise.all(responses.map(([file, response]) => cache.put(file, response)));
      // A new deploy takes over at once: a door phone may keep its tab open for days.
      await worker.skipWaiting();
    })(),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(SHELL_CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await worker.clients.claim();
    })(),
  );
});

worker.addEventListener('fetch', (event) => {
  const route = shellRouteOf(event.request, worker.location.origin, PRECACHE);
  if (route === 'scanner') event.respondWith(scannerPage(event.request));
  else if (route === 'precached') event.respondWith(precached(event.request));
  // Anything else, every API call included, is left to the browser as if there were no worker.
});

async function scannerPage(request: Request): Promise<Response> {
  const network = fetch(request);
  network.catch(() => undefined); // answered from the cache below when it fails
  const waited = new Promise<undefined>((resolve) =>
    AbortSignal.timeout(NETWORK_WAIT_MS).addEventListener('abort', () => resolve(undefined)),
  );
  try {
    const fresh = await Promise.race([network, waited]);
    // A 5xx from a proxy in front of an unreachable edge is no better than no network.
    if (fresh && fresh.status < 500) return fresh;
  } catch {
    // No network: the cached shell below.
  }
  return (await caches.match(SHELL_HTML, { cacheName: CACHE })) ?? network;
}

async function precached(request: Request): Promise<Response> {
  return (await caches.match(request, { cacheName: CACHE })) ?? fetch(request);
}
