import { Type, type Static } from '@sinclair/typebox';
import { errorResponses } from '@ticketing/http';
import { NOTIFICATION_TYPES } from './notification-message.ts';

const TypeSchema = Type.Union(NOTIFICATION_TYPES.map((t) => Type.Literal(t)));

export const NotificationSchema = Type.Object({
  notification_id: Type.String({ format: 'uuid' }),
  type: TypeSchema,
  booking_id: Type.String({ format: 'uuid' }),
  event_name: Type.String(),
  subject: Type.String(),
  /** `pending` while it is being (re)tried, `sent` once the mail server accepted it, `failed` when given up. */
  status: Type.Union([Type.Literal('pending'), Type.Literal('sent'), Type.Literal('failed')]),
  created_at: Type.String({ format: 'date-time' }),
  sent_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});
export type NotificationView = Static<typeof NotificationSchema>;

export const ListNotificationsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000_000, default: 0 }),
    type: Type.Optional(TypeSchema),
  },
  { additionalProperties: false },
);
export type ListNotificationsQuery = Static<typeof ListNotificationsQuery>;

export const NotificationListSchema = Type.Object({
  notifications: Type.Array(NotificationSchema),
  pagination: Type.Object({
    total: Type.Integer(),
    limit: Type.Integer(),
    offset: Type.Integer(),
    has_more: Type.Boolean(),
  }),
});

export const listNotificationsSchema = {
  tags: ['notifications'],
  summary: 'The emails sent (or being sent) to the caller’s address, newest first',
  security: [{ bearerAuth: [] }],
  querystring: ListNotificationsQuery,
  response: { 200: NotificationListSchema, ...errorResponses(400, 401) },
};
