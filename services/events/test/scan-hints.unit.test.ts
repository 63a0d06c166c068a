import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createScanHints } from '../src/holds/scan-hints.ts';

describe('best-available scan hints', () => {
  const EVENT = 'e1';

  it('starts where the last full read found the first free seat, for its lifetime only', () => {
    let t = 0;
    const hints = createScanHints({ ttlMs: 1_000, now: () => t });
    assert.equal(hints.startOf(EVENT, 1, 100), null);
    hints.learn(EVENT, 1, 100, 41, false);
    assert.equal(hints.startOf(EVENT, 1, 100), 41);
    assert.equal(hints.startOf(EVENT, 101, 200), null, 'per section');
    t = 1_001;
    assert.equal(hints.startOf(EVENT, 1, 100), null, 'expired: read the section from its first seat again');
  });

  it('moves on with batches that started from it, without renewing its lifetime', () => {
    let t = 0;
    const hints = createScanHints({ ttlMs: 1_000, now: () => t });
    hints.learn(EVENT, 1, 100, 41, false);
    t = 900;
    hints.learn(EVENT, 1, 100, 57, true);
    assert.equal(hints.startOf(EVENT, 1, 100), 57);
    t = 1_001;
    assert.equal(hints.startOf(EVENT, 1, 100), null);
  });

  it('remembers a sold-out section (a start past its last seat) and forgets on seats coming back', () => {
    const hints = createScanHints();
    hints.learn(EVENT, 1, 100, 101, false);
    assert.equal(hints.startOf(EVENT, 1, 100), 101);
    hints.forget(EVENT);
    assert.equal(hints.startOf(EVENT, 1, 100), null);
    // A batch that started from the forgotten hint must not bring it back.
    hints.learn(EVENT, 1, 100, 101, true);
    assert.equal(hints.startOf(EVENT, 1, 100), null);
  });

  it('stays bounded', () => {
    const hints = createScanHints({ maxEvents: 2 });
    hints.learn('a', 1, 10, 5, false);
    hints.learn('b', 1, 10, 5, false);
    hints.learn('c', 1, 10, 5, false);
    assert.equal(hints.startOf('a', 1, 10), null);
    assert.equal(hints.startOf('c', 1, 10), 5);
  });
});
