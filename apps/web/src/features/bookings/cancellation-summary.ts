import { formatMoney } from '../../lib/format.ts';

/** The fields of a cancellation (POST /api/booking/{id}/cancel) the sentence needs. */
export interface CancellationAnswer {
  seats: string[];
  status: 'refunding' | 'completed';
  refund_amount: number;
  refunded_amount: number | null;
}

/** What a buyer reads after cancelling seats: the money that went back, or why none did. */
export function cancellationSummary(c: CancellationAnswer, currency: string): string {
  const cancelled = `Cancelled ${c.seats.join(', ')}.`;
  if (c.status !== 'completed') return `${cancelled} Your refund of ${formatMoney(c.refund_amount, currency)} is on its way.`;
  const refunded = c.refunded_amount ?? 0;
  if (refunded > 0) return `${cancelled} ${formatMoney(refunded, currency)} is refunded to your payment method.`;
  if (c.refund_amount === 0) return `${cancelled} Nothing is refunded: the cancellation fee is the whole price.`;
  // Another refund gave the money back first (the event's cancellation, the organizer's refund): docs/refunds.md.
  return `${cancelled} The money had already gone back to your payment method (the event was cancelled or the organizer refunded you).`;
}
