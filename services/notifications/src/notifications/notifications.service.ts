import type { DeliveriesRepository, DeliveryRow } from './deliveries.repository.ts';
import type { NotificationType } from './notification-message.ts';
import type { ListNotificationsQuery, NotificationView } from './notifications.schemas.ts';

function toView(row: DeliveryRow): NotificationView {
  return {
    notification_id: row.id,
    // listForRecipient returns booking emails only.
    type: row.type as NotificationType,
    booking_id: row.booking_id!,
    event_name: row.event_name,
    subject: row.subject,
    status: row.status === 'sent' ? 'sent' : row.status === 'dead' ? 'failed' : 'pending',
    created_at: row.created_at.toISOString(),
    sent_at: row.sent_at ? row.sent_at.toISOString() : null,
  };
}

export function createNotificationsService(deps: { deliveries: DeliveriesRepository }) {
  return {
    /** Notifications addressed to `email` (the caller's token email), newest first. */
    async listForRecipient(email: string, query: ListNotificationsQuery) {
      const { rows, total } = await deps.deliveries.listForRecipient(email, query);
      return {
        notifications: rows.map(toView),
        pagination: { total, limit: query.limit, offset: query.offset, has_more: query.offset + rows.length < total },
      };
    },
  };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
