// What the scanner's service worker (service-worker.ts, docs/checkin.md#the-scanner-page-without-network)
// answers and what it leaves to the browser, as plain functions: the worker and the page both
// use them, and test/web-offline-shell.unit.test.ts checks them without a browser.

/** The worker's script, built next to index.html (vite.config.ts). */
export const SHELL_WORKER_URL = '/scanner-sw.js';
/** The pages the worker controls: the box office's event pages. Of those it answers only the scanner. */
export const SHELL_SCOPE = '/box-office/events/';
/** Its caches are `ticketing-scanner-<build hash>`: one per build, the older ones deleted on activation. */
export const SHELL_CACHE_PREFIX = 'ticketing-scanner-';
/** The app shell: every page of the single-page app is this HTML. */
export const SHELL_HTML = '/index.html';

const SCANNER_PAGE = /^\/box-office\/events\/[^/]+\/scan\/?$/;

/**
 * How the worker answers a request: `scanner` (opening a scanner page: the network first, the
 * cached app shell when there is none), `precached` (a file of this build, e.g. its script:
 * from the cache), or undefined: not at all, so the browser fetches it as if there were no
 * worker. API calls are always undefined: the worker never answers one from a cache.
 */
export function shellRouteOf(
  request: { method: string; url: string; mode: string },
  origin: string,
  precache: readonly string[],
): 'scanner' | 'precached' | undefined {
  if (request.method !== 'GET') return undefined;
  const url = new URL(request.url);
  if (url.origin !== origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/services/')) return undefined;
  if (request.mode === 'navigate') return SCANNER_PAGE.test(url.pathname) ? 'scanner' : undefined;
  return url.search === '' && url.pathname !== SHELL_HTML && precache.includes(url.pathname) ? 'precached' : undefined;
}

/**
 * The build files the shell's HTML loads that the precache list lacks. Not empty when the server
 * already has a newer build than the worker being installed: that install must fail (the newer
 * build's worker comes next), or the cached shell would load files that are not in the cache.
 */
export function missingFromPrecache(html: string, precache: readonly string[]): string[] {
  const loaded = [...html.matchAll(/\b(?:src|href)="(\/assets\/[^"?#]+)"/g)].map((m) => m[1]!);
  return [...new Set(loaded)].filter((file) => !precache.includes(file));
}

/** The files a build's worker keeps: the app shell and its scripts and styles. */
export function precacheOf(buildFiles: readonly string[]): string[] {
  const files = buildFiles.filter((f) => /^assets\/[^/]+\.(?:js|css)$/.test(f)).map((f) => `/${f}`);
  return [SHELL_HTML, ...files.sort()];
}
