import { api } from '../../lib/api/client.ts';
import type { paths } from '../../lib/api/schema.ts';
import { call as callApi, type ApiAnswer } from '../../lib/api/call.ts';
import { webhooksPath } from '../../lib/organizer-access.ts';
import { webhookErrorText } from './errors.ts';

export type Endpoint = paths['/api/webhooks/endpoints/{id}']['get']['responses'][200]['content']['application/json'];
export type EndpointWithSecret = paths['/api/webhooks/endpoints']['post']['responses'][201]['content']['application/json'];
type DeliveryList = paths['/api/webhooks/endpoints/{id}/deliveries']['get']['responses'][200]['content']['application/json'];
export type Delivery = DeliveryList['deliveries'][number];
export type DeliveryPage = DeliveryList;
export type DeliveryDetail = paths['/api/webhooks/deliveries/{id}']['get']['responses'][200]['content']['application/json'];
export type EventType = paths['/api/webhooks/endpoints']['post']['requestBody']['content']['application/json']['event_types'][number];
export type Organization = paths['/api/organizations']['get']['responses'][200]['content']['application/json']['organizations'][number];

/** What each event type means to an organizer; a new type in the API fails the type check here. */
export const EVENT_TYPES: Record<EventType, string> = {
  'booking.confirmed': 'a booking is paid and confirmed',
  'booking.failed': 'a booking fails (payment declined, hold expired)',
  'booking.cancelled': 'a buyer cancels a booking or some seats',
  'booking.refunded': 'a booking is refunded',
  'event.published': 'an event is published',
  'event.cancelled': 'an event is cancelled',
  'ticket.checked_in': 'a ticket is admitted at the door',
};

export const endpointPath = (organizationId: string, endpointId: string) => `${webhooksPath(organizationId)}/${endpointId}`;

/** An API call of these pages: refusals are worded with what is particular to webhooks. */
const call = <T>(request: Promise<ApiAnswer<T>>): Promise<T> => callApi(request, webhookErrorText);

/** The organization (from the caller's list: the personal one has no page of its own), or undefined. */
export async function findOrganization(id: string): Promise<Organization | undefined> {
  const { organizations } = await call(api.GET('/api/organizations'));
  return organizations.find((o) => o.organization_id === id.toLowerCase());
}

export const listEndpoints = (organizationId: string) =>
  call(api.GET('/api/webhooks/endpoints', { params: { query: { organization_id: organizationId } } })).then((r) => r.endpoints);

export const createEndpoint = (body: { organization_id: string; url: string; event_types: EventType[]; description?: string }) =>
  call(api.POST('/api/webhooks/endpoints', { body }));

export const getEndpoint = (id: string) => call(api.GET('/api/webhooks/endpoints/{id}', { params: { path: { id } } }));

export const updateEndpoint = (id: string, body: { url: string; description: string; event_types: EventType[] }) =>
  call(api.PATCH('/api/webhooks/endpoints/{id}', { params: { path: { id } }, body }));

export const setEndpointEnabled = (id: string, enabled: boolean) =>
  call(api.PATCH('/api/webhooks/endpoints/{id}', { params: { path: { id } }, body: { enabled } }));

export const deleteEndpoint = (id: string) => call(api.DELETE('/api/webhooks/endpoints/{id}', { params: { path: { id } } }));

/** The API wants a JSON body here, `{}` for the default overlap (24 h). */
export const rotateSecret = (id: string, overlapSeconds?: number) =>
  call(
    api.POST('/api/webhooks/endpoints/{id}/rotate-secret', {
      params: { path: { id } },
      body: overlapSeconds === undefined ? {} : { overlap_seconds: overlapSeconds },
    }),
  );

export const sendTestEvent = (id: string) => call(api.POST('/api/webhooks/endpoints/{id}/test', { params: { path: { id } } }));

export const listDeliveries = (id: string, offset: number, limit: number) =>
  call(api.GET('/api/webhooks/endpoints/{id}/deliveries', { params: { path: { id }, query: { limit, offset } } }));

export const getDelivery = (id: string) => call(api.GET('/api/webhooks/deliveries/{id}', { params: { path: { id } } }));

export const replayDelivery = (id: string) => call(api.POST('/api/webhooks/deliveries/{id}/replay', { params: { path: { id } } }));
