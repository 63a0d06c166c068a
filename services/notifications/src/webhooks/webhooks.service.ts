import { randomUUID } from 'node:crypto';
import { createWebhookSecret, decideOrganizerAccess, type UserClaims } from '@ticketing/auth';
import { WEBHOOK_TEST_EVENT_TYPE } from '@ticketing/contracts';
import type { Database } from '@ticketing/db';
import { assertTargetUrl, isUuid } from '@ticketing/http';
import { errors } from '../errors.ts';
import type { Clock } from '../notifications/stats.ts';
import { envelopeOf } from './webhook-intake.ts';
import type {
  CreateEndpointBody,
  DeliveryView,
  EndpointView,
  ListDeliveriesQuery,
  RotateSecretBody,
  UpdateEndpointBody,
} from './webhooks.schemas.ts';
import type { AttemptRow, DeliveryRow, EndpointRow, WebhooksRepository } from './webhooks.repository.ts';

export interface WebhooksServiceSettings {
  allowInsecureTargets: boolean;
  maxEndpointsPerOrganization: number;
  maxAgeMs: number;
}

const DEFAULT_OVERLAP_SECONDS = 86_400;

function toEndpointView(row: EndpointRow): EndpointView {
  return {
    endpoint_id: row.id,
    organization_id: row.organization_id,
    url: row.url,
    description: row.description,
    event_types: row.event_types,
    enabled: row.enabled,
    disabled_reason: row.disabled_reason,
    disabled_at: row.disabled_at?.toISOString() ?? null,
    secret_hint: row.secret.slice(0, 10) + '…',
    previous_secret_expires_at: row.previous_secret_expires_at?.toISOString() ?? null,
    consecutive_failures: row.consecutive_failures,
    created_by_email: row.created_by_email,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

function toDeliveryView(row: DeliveryRow): DeliveryView {
  return {
    delivery_id: row.id,
    endpoint_id: row.endpoint_id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    // A parked delivery (endpoint disabled) has no next attempt until it is enabled.
    next_attempt_at: row.status === 'pending' && Number.isFinite(row.next_attempt_at.getTime()) ? row.next_attempt_at.toISOString() : null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    last_latency_ms: row.last_latency_ms,
    delivered_at: row.delivered_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}

function toAttemptView(a: AttemptRow) {
  return { ...a, started_at: a.started_at.toISOString() };
}

/**
 * Organizers' management of webhook endpoints and their delivery logs. Every call is decided on
 * the endpoint's organization from the token's `orgs` claim (`webhooks.manage`: owners and
 * managers): outsiders get the thing's 404, lower roles 403.
 */
export function createWebhooksService(deps: {
  db: Database;
  repository: WebhooksRepository;
  clock: Clock;
  settings: WebhooksServiceSettings;
  /** Deliveries became due now (a test, a replay, an endpoint enabled). */
  onDeliveries: () => void;
}) {
  const { db, repository: repo, clock, settings } = deps;

  function authorize(user: UserClaims, organizationId: string, notFound: () => Error): void {
    const decision = decideOrganizerAccess(user, 'webhooks.manage', organizationId);
    if (decision === 'not_member') throw notFound();
    if (decision === 'forbidden') throw errors.forbidden({ message: 'Your role in this organization does not allow webhooks.manage' });
  }

  async function endpointFor(user: UserClaims, id: string): Promise<EndpointRow> {
    const row = isUuid(id) ? await repo.findEndpoint(db, id.toLowerCase()) : undefined;
    if (!row) throw errors.webhookEndpointNotFound();
    authorize(user, row.organization_id, () => errors.webhookEndpointNotFound());
    return row;
  }

  async function deliveryFor(user: UserClaims, id: string) {
    const row = isUuid(id) ? await repo.findDelivery(db, id.toLowerCase()) : undefined;
    if (!row) throw errors.webhookDeliveryNotFound();
    authorize(user, row.organization_id, () => errors.webhookDeliveryNotFound());
    return row;
  }

  async function checkUrl(url: string): Promise<void> {
    const refusal = await assertTargetUrl(url, { allowInsecure: settings.allowInsecureTargets });
    if (refusal) throw errors.webhookUrlNotAllowed({ details: { reason: refusal } });
  }

  return {
    async create(user: UserClaims, body: CreateEndpointBody): Promise<EndpointView & { secret: string }> {
      const organizationId = body.organization_id.toLowerCase();
      authorize(user, organizationId, () => errors.organizationNotFound());
      await checkUrl(body.url);
      const secret = createWebhookSecret();
      const row = await db.transaction(async (tx) => {
        const count = await repo.lockAndCountForOrganization(tx, organizationId);
        if (count >= settings.maxEndpointsPerOrganization)
          throw errors.webhookEndpointLimit({ details: { max_endpoints: settings.maxEndpointsPerOrganization } });
        return repo.insertEndpoint(tx, {
          id: randomUUID(),
          organization_id: organizationId,
          url: body.url,
          description: body.description ?? '',
          event_types: body.event_types,
          secret,
          created_by: user.user_id,
          created_by_email: user.email,
        });
      });
      return { ...toEndpointView(row), secret };
    },

    async list(user: UserClaims, organizationId: string): Promise<EndpointView[]> {
      if (!isUuid(organizationId)) throw errors.organizationNotFound();
      const id = organizationId.toLowerCase();
      authorize(user, id, () => errors.organizationNotFound());
      return (await repo.listEndpoints(db, id)).map(toEndpointView);
    },

    async get(user: UserClaims, id: string): Promise<EndpointView> {
      return toEndpointView(await endpointFor(user, id));
    },

    async update(user: UserClaims, id: string, body: UpdateEndpointBody): Promise<EndpointView> {
      const current = await endpointFor(user, id);
      if (body.url !== undefined) await checkUrl(body.url);
      const row = await db.transaction(async (tx) => {
        let row = await repo.updateEndpoint(tx, current.id, body);
        if (row && body.enabled !== undefined && body.enabled !== row.enabled)
          row = await repo.setEnabled(tx, current.id, body.enabled, `disabled by ${user.email}`, clock.now());
        return row;
      });
      if (!row) throw errors.webhookEndpointNotFound();
      if (body.enabled === true) deps.onDeliveries();
      return toEndpointView(row);
    },

    async remove(user: UserClaims, id: string): Promise<void> {
      const current = await endpointFor(user, id);
      if (!(await repo.deleteEndpoint(db, current.id))) throw errors.webhookEndpointNotFound();
    },

    async rotateSecret(user: UserClaims, id: string, body: RotateSecretBody): Promise<EndpointView & { secret: string }> {
      const current = await endpointFor(user, id);
      const secret = createWebhookSecret();
      const overlapMs = (body.overlap_seconds ?? DEFAULT_OVERLAP_SECONDS) * 1000;
      const row = await repo.rotateSecret(db, current.id, secret, new Date(clock.now().getTime() + overlapMs));
      if (!row) throw errors.webhookEndpointNotFound();
      return { ...toEndpointView(row), secret };
    },

    /** Sends a `webhook.test` event to this endpoint only (whatever it subscribed to). */
    async sendTest(user: UserClaims, id: string): Promise<DeliveryView> {
      const endpoint = await endpointFor(user, id);
      if (!endpoint.enabled) throw errors.webhookEndpointDisabled();
      // Each test is a new event (new id): a receiver that deduplicates still sees every test.
      const eventId = 'evt_' + randomUUID().replaceAll('-', '');
      const body = envelopeOf(eventId, {
        type: WEBHOOK_TEST_EVENT_TYPE,
        organizationId: endpoint.organization_id,
        occurredAt: clock.now().toISOString(),
        data: { endpoint_id: endpoint.id, message: `A test event sent by ${user.email}` },
      });
      const deliveryId = randomUUID();
      await db.transaction(async (tx) => {
        await repo.insertEvent(tx, { id: eventId, organizationId: endpoint.organization_id, type: WEBHOOK_TEST_EVENT_TYPE, body });
        await repo.insertDelivery(tx, { id: deliveryId, endpointId: endpoint.id, eventId }, clock.now(), settings.maxAgeMs);
      });
      deps.onDeliveries();
      const row = await repo.findDelivery(db, deliveryId);
      return toDeliveryView(row!);
    },

    async listDeliveries(user: UserClaims, id: string, query: ListDeliveriesQuery) {
      const endpoint = await endpointFor(user, id);
      const { rows, total } = await repo.listDeliveries(db, endpoint.id, query);
      return {
        deliveries: rows.map(toDeliveryView),
        pagination: { total, limit: query.limit, offset: query.offset, has_more: query.offset + rows.length < total },
      };
    },

    async getDelivery(user: UserClaims, id: string) {
      const row = await deliveryFor(user, id);
      const attempts = await repo.listAttempts(db, row.id);
      return { ...toDeliveryView(row), body: row.body, attempts_log: attempts.map(toAttemptView) };
    },

    /** Sends a delivery again with the same event id and body, retried for another max age. */
    async replay(user: UserClaims, id: string): Promise<DeliveryView> {
      const row = await deliveryFor(user, id);
      const endpoint = await repo.findEndpoint(db, row.endpoint_id);
      if (!endpoint) throw errors.webhookDeliveryNotFound();
      if (!endpoint.enabled) throw errors.webhookEndpointDisabled();
      await repo.replay(db, row.id, clock.now(), settings.maxAgeMs);
      deps.onDeliveries();
      return toDeliveryView((await repo.findDelivery(db, row.id))!);
    },
  };
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
