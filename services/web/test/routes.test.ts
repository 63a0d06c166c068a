// The edge's prefix table is repeated where the same routing happens without the edge: the Vite
// dev server's proxy and the Helm chart's Ingress. They must not drift apart.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { routes, upstreamOf } from '../src/app.ts';

const root = new URL('../../../', import.meta.url);
// The Ingress and Vite write the one parameterised prefix as a regular expression.
const asRegex = (prefix: string) => prefix.replace(/:[^/]+/g, '[^/]+');

describe('edge routes', () => {
  it('the longest prefix wins', () => {
    assert.equal(upstreamOf('/api/users/123/bookings'), 'bookings');
    assert.equal(upstreamOf('/api/users/profile'), 'users');
    assert.equal(upstreamOf('/api/events/1/seats/stream'), 'events');
    assert.equal(upstreamOf('/api/booking/1/stream'), 'bookings');
    assert.equal(upstreamOf('/api/payments/webhooks/stripe'), 'bookings');
    assert.equal(upstreamOf('/api/eventsx'), undefined);
    assert.equal(upstreamOf('/internal/holds'), undefined);
  });

  it('the Helm chart Ingress routes every prefix to the same service', () => {
    const values = parse(readFileSync(new URL('deploy/helm/ticketing/values.yaml', root), 'utf8')) as {
      ingress: { routes: { path: string; component: string }[] };
    };
    const ingress = new Map(values.ingress.routes.map((r) => [r.path, r.component]));
    for (const route of routes) assert.equal(ingress.get(asRegex(route.prefix)), route.upstream, `ingress route for ${route.prefix}`);
  });

  it('the Vite dev server proxies every prefix to the same service', () => {
    const config = readFileSync(new URL('apps/web/vite.config.ts', root), 'utf8');
    for (const route of routes) {
      const key = route.prefix.includes(':') ? `'^${asRegex(route.prefix)}'` : `'${route.prefix}'`;
      assert.match(
        config,
        new RegExp(`${key.replace(/[[\]^/+]/g, (c) => `\\${c}`)}: ${route.upstream},`),
        `vite proxy for ${route.prefix}`,
      );
    }
  });
});
