import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toHoldSeatsOutcome, type DecidedHoldRow } from '../src/holds/holds.repository.ts';

const none: DecidedHoldRow = {
  outcome: 'unavailable',
  live: null,
  taken: null,
  hold_id: null,
  seat_labels: null,
  expires_at: null,
  total_price: null,
};

describe('toHoldSeatsOutcome: one mapper for the single statement and the batch', () => {
  it('reads a held row', () => {
    const expiresAt = new Date();
    const holdId = crypto.randomUUID();
    assert.deepEqual(
      toHoldSeatsOutcome({
        ...none,
        outcome: 'held',
        hold_id: holdId,
        seat_labels: ['A1', 'A2'],
        expires_at: expiresAt,
        total_price: '99.98',
      }),
      { kind: 'held', holdId, labels: ['A1', 'A2'], expiresAt, totalPrice: '99.98' },
    );
  });

  it('reads every refusal, and no row as an unknown event', () => {
    assert.deepEqual(toHoldSeatsOutcome({ ...none, outcome: 'unavailable', taken: ['B3'] }), { kind: 'unavailable', taken: ['B3'] });
    assert.deepEqual(toHoldSeatsOutcome({ ...none, outcome: 'limit_reached', live: 3 }), { kind: 'limit_reached', live: 3 });
    assert.deepEqual(toHoldSeatsOutcome({ ...none, outcome: 'sales_closed' }), { kind: 'sales_closed' });
    assert.deepEqual(toHoldSeatsOutcome({ ...none, outcome: 'event_not_found' }), { kind: 'event_not_found' });
    assert.deepEqual(toHoldSeatsOutcome(undefined), { kind: 'event_not_found' });
  });

  it('refuses to report a hold that did not get all its seats', () => {
    const partial = { ...none, outcome: 'held' as const, hold_id: crypto.randomUUID(), total_price: 'partial' };
    assert.throws(() => toHoldSeatsOutcome(partial), /not given all its seats/);
    assert.throws(() => toHoldSeatsOutcome({ ...partial, hold_id: null, total_price: '1.00' }), /not given all its seats/);
  });
});
