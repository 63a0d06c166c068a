import type { Queryable } from '@ticketing/db';

/** The provider events already handled (payment_webhook_events), one row per provider event id. */
export function createPaymentWebhooksRepository(db: Queryable) {
  return {
    async isHandled(provider: string, eventId: string): Promise<boolean> {
      const { rows } = await db.query('SELECT 1 FROM payment_webhook_events WHERE provider = $1 AND event_id = $2', [provider, eventId]);
      return rows.length > 0;
    },

    /** Records a handled event; false when another delivery of it was recorded first. */
    async recordHandled(provider: string, eventId: string, type: string, bookingId: string | null): Promise<boolean> {
      const { rowCount } = await db.query(
        `INSERT INTO payment_webhook_events (provider, event_id, type, booking_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (provider, event_id) DO NOTHING`,
        [provider, eventId, type, bookingId],
      );
      return rowCount === 1;
    },
  };
}

export type PaymentWebhooksRepository = ReturnType<typeof createPaymentWebhooksRepository>;
