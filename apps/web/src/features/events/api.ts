import { api } from '../../lib/api/client.ts';
import { call } from '../../lib/api/call.ts';
import type { paths } from '../../lib/api/schema.ts';
import { preloadKeys, takePreloaded } from '../../lib/preload.ts';
import { useLoad } from '../../lib/use-api.ts';

export type EventItem = paths['/api/events/{id}']['get']['responses'][200]['content']['application/json'];
export type EventQuery = NonNullable<paths['/api/events']['get']['parameters']['query']>;

export function useEvent(id: string) {
  const { data: event = null, error } = useLoad(
    async () => (await takePreloaded<EventItem>(preloadKeys.event(id))) ?? call(api.GET('/api/events/{id}', { params: { path: { id } } })),
    [id],
  );
  return { event, error };
}

export const listEvents = (query: EventQuery) => call(api.GET('/api/events', { params: { query } }));
