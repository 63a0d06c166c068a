import { currentUser, requireUser, type AuthOptions } from '@ticketing/auth';
import type { App } from '@ticketing/http';
import type { WebhooksService } from './webhooks.service.ts';
import {
  createEndpointSchema,
  deleteEndpointSchema,
  getDeliverySchema,
  getEndpointSchema,
  listDeliveriesSchema,
  listEndpointsSchema,
  replayDeliverySchema,
  rotateSecretSchema,
  testEndpointSchema,
  updateEndpointSchema,
} from './webhooks.schemas.ts';

/** Organizers' webhook endpoints and delivery logs (docs/webhooks.md). */
export function registerWebhookRoutes(app: App, deps: { webhooks: WebhooksService; auth: AuthOptions }): void {
  const { webhooks } = deps;
  const preHandler = requireUser(deps.auth);

  app.post('/api/webhooks/endpoints', { schema: createEndpointSchema, preHandler }, async (request, reply) => {
    const endpoint = await webhooks.create(currentUser(request), request.body);
    return reply.status(201).header('location', `/api/webhooks/endpoints/${endpoint.endpoint_id}`).send(endpoint);
  });
  app.get('/api/webhooks/endpoints', { schema: listEndpointsSchema, preHandler }, async (request) => ({
    endpoints: await webhooks.list(currentUser(request), request.query.organization_id),
  }));
  app.get('/api/webhooks/endpoints/:id', { schema: getEndpointSchema, preHandler }, async (request) =>
    webhooks.get(currentUser(request), request.params.id),
  );
  app.patch('/api/webhooks/endpoints/:id', { schema: updateEndpointSchema, preHandler }, async (request) =>
    webhooks.update(currentUser(request), request.params.id, request.body),
  );
  app.delete('/api/webhooks/endpoints/:id', { schema: deleteEndpointSchema, preHandler }, async (request, reply) => {
    await webhooks.remove(currentUser(request), request.params.id);
    return reply.status(204).send(null);
  });
  app.post('/api/webhooks/endpoints/:id/rotate-secret', { schema: rotateSecretSchema, preHandler }, async (request) =>
    webhooks.rotateSecret(currentUser(request), request.params.id, request.body ?? {}),
  );
  app.post('/api/webhooks/endpoints/:id/test', { schema: testEndpointSchema, preHandler }, async (request, reply) =>
    reply.status(202).send(await webhooks.sendTest(currentUser(request), request.params.id)),
  );
  app.get('/api/webhooks/endpoints/:id/deliveries', { schema: listDeliveriesSchema, preHandler }, async (request) =>
    webhooks.listDeliveries(currentUser(request), request.params.id, request.query),
  );
  app.get('/api/webhooks/deliveries/:id', { schema: getDeliverySchema, preHandler }, async (request) =>
    webhooks.getDelivery(currentUser(request), request.params.id),
  );
  app.post('/api/webhooks/deliveries/:id/replay', { schema: replayDeliverySchema, preHandler }, async (request, reply) =>
    reply.status(202).send(await webhooks.replay(currentUser(request), request.params.id)),
  );
}
