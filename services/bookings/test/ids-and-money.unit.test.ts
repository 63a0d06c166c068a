import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { bookingIdForHold, uuidV5 } from '../src/bookings/booking-id.ts';
import { fromCents, toCents } from '@ticketing/contracts';

describe('booking ids', () => {
  it('derives one stable UUIDv5 per hold, whatever the case of the hold id', () => {
    const hold = randomUUID();
    const id = bookingIdForHold(hold);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(bookingIdForHold(hold.toUpperCase()), id);
    assert.notEqual(bookingIdForHold(randomUUID()), id);
  });

  it('computes RFC 9562 UUIDv5 (DNS namespace test vector)', () => {
    assert.equal(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });
});

describe('money', () => {
  it('converts amounts with up to two decimals to exact cents', () => {
    assert.equal(toCents(199.98), 19998);
    assert.equal(toCents(0.07), 7);
    assert.equal(toCents(19.9), 1990);
    assert.equal(toCents(100), 10000);
    assert.equal(toCents(1.1 + 2.2), undefined); // 3.3000000000000003
    assert.equal(toCents(1.005), undefined);
    assert.equal(toCents(-1), undefined);
    assert.equal(toCents(1e21), undefined);
  });

  it('turns cents back into JSON numbers with at most two decimals', () => {
    assert.equal(fromCents(19998), 199.98);
    assert.equal(fromCents('7'), 0.07);
    assert.equal(fromCents(10000), 100);
    assert.equal(JSON.stringify(fromCents(1990)), '19.9');
  });
});
