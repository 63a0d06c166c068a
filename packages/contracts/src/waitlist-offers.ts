import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Uuid } from './formats.ts';
import { defineMessage } from './message.ts';
import { CurrencyCode, Money } from './money.ts';

/**
 * `waitlist-offers` (key: user_id), event service → notification service: seats offered to a
 * buyer on the waiting list of a sold-out event, held for them until `expires_at`. Written to the
 * event service's outbox by the statement that makes the offer (docs/waiting-list.md).
 */
export const WaitlistOffer = Type.Object({
  /** Unique per email: the notification service sends each id once. */
  email_id: Uuid(),
  type: Type.Literal('waitlist_offer'),
  recipient_email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@<>,;"]+@[^\\s@<>,;"]+$' }),
  recipient_name: Type.String({ maxLength: 300 }),
  event_id: Uuid(),
  event_name: Type.String({ minLength: 1, maxLength: 500 }),
  venue: Type.String({ maxLength: 500 }),
  event_date: DateTime(),
  /** The offer's hold: the buyer checks out with it. */
  hold_id: Uuid(),
  seats: Type.Array(Type.String({ maxLength: 32 }), { minItems: 1, maxItems: 1000 }),
  total_amount: Money(),
  currency: CurrencyCode(),
  expires_at: DateTime(),
  /** The buyer's waiting-list page (web links only). */
  link: Type.String({ minLength: 8, maxLength: 2000, pattern: '^https?://[^\\s<>"]+$' }),
});
export type WaitlistOffer = Static<typeof WaitlistOffer>;

export const waitlistOffers = defineMessage({ name: 'waitlist-offers', version: 1, schema: WaitlistOffer });
