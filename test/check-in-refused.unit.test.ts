// The scanner's record of the offline scans the server refused (offlineStore in
// apps/web/src/features/check-in/offline.ts), over an in-memory stand-in for the browser's
// localStorage (Node has none by default). The page itself is tested in test/web-check-in.test.ts.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { offlineStore } from '../apps/web/src/features/check-in/offline.ts';

const items = new Map<string, string>();
Object.defineProperty(globalThis, 'localStorage', {
  configurable: true,
  value: {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, String(value)),
    removeItem: (key: string) => void items.delete(key),
  },
});

type Refused = { scan_id: string; result: string; gate: string };
const pending = (scan_id: string) => ({ scan_id, code: `code-${scan_id}`, scanned_at: '2026-12-01T19:00:00.000Z', gate: 'North' });

describe('the refused offline scans on a device', () => {
  beforeEach(() => items.clear());

  it('are kept per event, and still there for the next page (a reload)', () => {
    offlineStore<Refused>('event-1').addRefused([{ scan_id: 's1', result: 'already_used', gate: 'North' }]);
    assert.deepEqual(offlineStore<Refused>('event-1').refused(), [{ scan_id: 's1', result: 'already_used', gate: 'North' }]);
    assert.deepEqual(offlineStore<Refused>('event-2').refused(), []);
  });

  it('hold one entry per scan: a re-uploaded scan’s answer replaces the one kept', () => {
    const store = offlineStore<Refused>('event-1');
    store.addRefused([
      { scan_id: 's1', result: 'already_used', gate: 'North' },
      { scan_id: 's2', result: 'cancelled', gate: 'North' },
    ]);
    store.addRefused([{ scan_id: 's1', result: 'already_used', gate: 'North' }]);
    assert.deepEqual(
      store.refused().map((s) => s.scan_id),
      ['s2', 's1'],
    );
  });

  it('discarding forgets only the named scans, never the queue or the admissions seen', () => {
    const store = offlineStore<Refused>('event-1');
    store.addPending(pending('p1'));
    store.remember('ticket-1', 'North', '2026-12-01T19:00:00.000Z');
    store.addRefused([
      { scan_id: 's1', result: 'already_used', gate: 'North' },
      { scan_id: 's2', result: 'cancelled', gate: 'South' },
    ]);
    store.discardRefused(['s1', 'unknown']);
    assert.deepEqual(store.refused(), [{ scan_id: 's2', result: 'cancelled', gate: 'South' }]);
    assert.deepEqual(store.pending(), [pending('p1')]);
    assert.deepEqual(store.admitted('ticket-1'), { gate: 'North', at: '2026-12-01T19:00:00.000Z' });
    store.discardRefused(['s2']);
    assert.deepEqual(store.refused(), []);
    assert.equal(store.pending().length, 1);
  });
});
