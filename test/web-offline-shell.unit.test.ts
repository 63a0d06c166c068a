// What the scanner's service worker answers (apps/web/src/features/check-in/offline-shell.ts):
// the scanner page and this build's files, never an API call or another page.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { missingFromPrecache, precacheOf, shellRouteOf } from '../apps/web/src/features/check-in/offline-shell.ts';

const origin = 'https://tickets.example';
const precache = precacheOf([
  'index.html',
  'assets/index-Bp3sQ0eX.js',
  'assets/index-C-Xyv_mu.css',
  'assets/logo-1234.svg',
  'scanner-sw.js',
]);
const get = (path: string, mode = 'cors') => ({ method: 'GET', url: `${origin}${path}`, mode });

describe('the scanner service worker', () => {
  it('keeps the app shell and its scripts and styles, nothing else of the build', () => {
    assert.deepEqual(precache, ['/index.html', '/assets/index-Bp3sQ0eX.js', '/assets/index-C-Xyv_mu.css']);
  });

  it('answers opening a scanner page, and no other page', () => {
    assert.equal(shellRouteOf(get('/box-office/events/5b0c/scan', 'navigate'), origin, precache), 'scanner');
    assert.equal(shellRouteOf(get('/box-office/events/5b0c/scan/', 'navigate'), origin, precache), 'scanner');
    for (const page of [
      '/box-office/events/5b0c',
      '/box-office/events/5b0c/cancellation',
      '/box-office/events/a/b/scan',
      '/',
      '/tickets',
    ]) {
      assert.equal(shellRouteOf(get(page, 'navigate'), origin, precache), undefined, page);
    }
  });

  it('answers the build files it keeps from the cache', () => {
    assert.equal(shellRouteOf(get('/assets/index-Bp3sQ0eX.js', 'no-cors'), origin, precache), 'precached');
    assert.equal(shellRouteOf(get('/assets/index-C-Xyv_mu.css', 'no-cors'), origin, precache), 'precached');
    // A file of another build, a query string, or another origin: the network's.
    assert.equal(shellRouteOf(get('/assets/index-OTHER.js', 'no-cors'), origin, precache), undefined);
    assert.equal(shellRouteOf(get('/assets/index-Bp3sQ0eX.js?v=2', 'no-cors'), origin, precache), undefined);
    assert.equal(
      shellRouteOf({ ...get('/assets/index-Bp3sQ0eX.js'), url: `https://cdn.example/assets/index-Bp3sQ0eX.js` }, origin, precache),
      undefined,
    );
  });

  it('never answers an API call, whatever its method, path or mode', () => {
    const keys = ['/api/tickets/keys', '/api/events/5b0c/check-ins', '/api/events/5b0c/check-ins/batch', '/services/bookings/docs'];
    for (const path of keys) {
      for (const mode of ['cors', 'navigate', 'same-origin']) {
        for (const method of ['GET', 'POST']) {
          assert.equal(
            shellRouteOf({ method, url: `${origin}${path}`, mode }, origin, [...precache, path]),
            undefined,
            `${method} ${path} ${mode}`,
          );
        }
      }
    }
    assert.equal(
      shellRouteOf({ method: 'POST', url: `${origin}/box-office/events/5b0c/scan`, mode: 'navigate' }, origin, precache),
      undefined,
    );
  });

  it('refuses to install over a shell that loads files it does not keep (a newer deploy answered)', () => {
    const html =
      '<script type="module" crossorigin src="/assets/index-Bp3sQ0eX.js"></script><link rel="stylesheet" crossorigin href="/assets/index-C-Xyv_mu.css">';
    assert.deepEqual(missingFromPrecache(html, precache), []);
    const newer = html.replace('index-Bp3sQ0eX.js', 'index-NEWER123.js');
    assert.deepEqual(missingFromPrecache(newer, precache), ['/assets/index-NEWER123.js']);
  });
});
