// The sentence a buyer reads after cancelling seats (apps/web/src/features/bookings/cancellation-summary.ts),
// for each way the refund can end (docs/refunds.md, late and racing cases).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cancellationSummary } from '../apps/web/src/features/bookings/cancellation-summary.ts';

describe('the cancellation sentence', () => {
  it('says what went back, what is on its way, or why nothing did', () => {
    const seats = ['A1', 'A2'];
    assert.equal(
      cancellationSummary({ seats, status: 'completed', refund_amount: 45, refunded_amount: 45 }, 'USD'),
      'Cancelled A1, A2. $45.00 is refunded to your payment method.',
    );
    assert.equal(
      cancellationSummary({ seats, status: 'refunding', refund_amount: 45, refunded_amount: null }, 'EUR'),
      'Cancelled A1, A2. Your refund of €45.00 is on its way.',
    );
    assert.equal(
      cancellationSummary({ seats, status: 'completed', refund_amount: 0, refunded_amount: 0 }, 'USD'),
      'Cancelled A1, A2. Nothing is refunded: the cancellation fee is the whole price.',
    );
    // The event's cancellation refunded the booking first: this cancellation moved no money.
    assert.equal(
      cancellationSummary({ seats, status: 'completed', refund_amount: 45, refunded_amount: 0 }, 'USD'),
      'Cancelled A1, A2. The money had already gone back to your payment method (the event was cancelled or the organizer refunded you).',
    );
  });
});
