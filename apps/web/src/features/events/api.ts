import { useEffect, useState } from 'react';
import { api } from '../../lib/api/client.ts';
import type { paths } from '../../lib/api/schema.ts';
import { describeError, NETWORK_ERROR } from '../../lib/errors.ts';
import { preloadKeys, takePreloaded } from '../../lib/preload.ts';

export type EventItem = paths['/api/events/{id}']['get']['responses'][200]['content']['application/json'];
export type EventQuery = NonNullable<paths['/api/events']['get']['parameters']['query']>;

export function useEvent(id: string) {
  const [event, setEvent] = useState<EventItem | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    const load = async () => {
      const preloaded = await takePreloaded<EventItem>(preloadKeys.event(id));
      if (preloaded) return { data: preloaded, error: undefined, status: 200 };
      const { data, error: err, response } = await api.GET('/api/events/{id}', { params: { path: { id } } });
      return { data, error: err, status: response.status };
    };
    load().then(
      ({ data, error: err, status }) => {
        if (!live) return;
        if (data) setEvent(data);
        else setError(describeError(err, status));
      },
      () => live && setError(NETWORK_ERROR),
    );
    return () => {
      live = false;
    };
  }, [id]);
  return { event, error };
}

export async function listEvents(query: EventQuery) {
  const { data, error, response } = await api.GET('/api/events', { params: { query } });
  if (!data) throw new Error(describeError(error, response.status));
  return data;
}
