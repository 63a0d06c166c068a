import { createHash } from 'node:crypto';
import type { WebhookEnvelope } from '@ticketing/contracts';
import type { Database } from '@ticketing/db';
import type { Clock } from '../notifications/stats.ts';
import type { WebhooksRepository } from './webhooks.repository.ts';

/**
 * The id of a webhook event, derived from its type and the thing it is about (`booking.confirmed`
 * of booking X is always the same id): the same on every retry, on a redelivered or republished
 * message and on a replay, so receivers deduplicate on it.
 */
export function webhookEventId(type: string, key: string): string {
  return 'evt_' + createHash('sha256').update(`${type}:${key}`).digest('hex').slice(0, 32);
}

export interface WebhookEventInput {
  type: string;
  /** What makes this event unique within its type (a booking id, an event id, a ticket id). */
  key: string;
  organizationId: string;
  /** When the change happened. */
  occurredAt: string;
  data: Record<string, unknown>;
}

/** The body every delivery of the event sends, byte for byte. */
export function envelopeOf(id: string, e: Omit<WebhookEventInput, 'key'>): string {
  const envelope: WebhookEnvelope = { id, type: e.type, created_at: e.occurredAt, organization_id: e.organizationId, data: e.data };
  return JSON.stringify(envelope);
}

/**
 * Takes in one event to announce: stores it once with its body and one pending delivery per
 * enabled endpoint of the organization that subscribed to its type, in one transaction; then
 * wakes the dispatcher. A second call with the same event changes nothing.
 */
export function createWebhookIntake(deps: {
  db: Database;
  repository: WebhooksRepository;
  clock: Clock;
  maxAgeMs: number;
  onDeliveries: () => void;
}) {
  return {
    async record(e: WebhookEventInput): Promise<{ eventId: string; deliveries: number }> {
      const eventId = webhookEventId(e.type, e.key);
      const body = envelopeOf(eventId, e);
      const deliveries = await deps.db.transaction(async (tx) => {
        await deps.repository.insertEvent(tx, { id: eventId, organizationId: e.organizationId, type: e.type, body });
        return deps.repository.fanOut(tx, { eventId, organizationId: e.organizationId, type: e.type }, deps.clock.now(), deps.maxAgeMs);
      });
      if (deliveries > 0) deps.onDeliveries();
      return { eventId, deliveries };
    },
  };
}

export type WebhookIntake = ReturnType<typeof createWebhookIntake>;
