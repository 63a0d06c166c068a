import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createLogger } from '@ticketing/http';
import { createHoldBatcher } from '../src/holds/hold-batcher.ts';
import type { HoldRow, HoldSeatsInput, HoldSeatsOutcome } from '../src/holds/holds.repository.ts';

const input = (seat: number): HoldSeatsInput => ({
  holdId: randomUUID(),
  eventId: randomUUID(),
  userId: randomUUID(),
  seatNos: [seat],
  maxActiveHolds: 3,
});

describe('hold batcher fallback (logic, fake repository)', () => {
  it('keeps the holds a failed batch had already committed and decides only the others again', async () => {
    const a = input(1);
    const b = input(2);
    const committed = new Map<string, HoldRow>([
      [a.holdId, { id: a.holdId, seat_labels: ['A1'], expires_at: new Date(0), total_price: '10.00' } as HoldRow],
    ]);
    const decidedAlone: string[] = [];
    const batcher = createHoldBatcher({
      logger: createLogger('test', 'silent'),
      windowMs: 5,
      maxBatch: 10,
      maxInFlight: 1,
      repository: {
        // The batch commits `a`, then fails (as when the connection drops after COMMIT).
        holdSeatsBatch: async () => {
          throw new Error('connection lost after commit');
        },
        findById: async (id: string) => committed.get(id),
        holdSeats: async (i: HoldSeatsInput): Promise<HoldSeatsOutcome> => {
          decidedAlone.push(i.holdId);
          return { kind: 'held', holdId: i.holdId, labels: ['A2'], expiresAt: new Date(0), totalPrice: '10.00' };
        },
      },
    });
    const [ra, rb] = await Promise.all([batcher.decide(a), batcher.decide(b)]);
    assert.deepEqual(ra, { kind: 'held', holdId: a.holdId, labels: ['A1'], expiresAt: new Date(0), totalPrice: '10.00' });
    assert.equal(rb.kind, 'held');
    assert.deepEqual(decidedAlone, [b.holdId], 'only the request without a committed hold is decided again');
  });
});
