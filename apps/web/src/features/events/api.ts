import { useEffect, useState } from 'react';
import { api } from '../../lib/api/client.ts';
import type { paths } from '../../lib/api/schema.ts';
import { describeError, NETWORK_ERROR } from '../../lib/errors.ts';

export type EventItem = paths['/api/events/{id}']['get']['responses'][200]['content']['application/json'];
export type EventQuery = NonNullable<paths['/api/events']['get']['parameters']['query']>;

export function useEvent(id: string) {
  const [event, setEvent] = useState<EventItem | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    api.GET('/api/events/{id}', { params: { path: { id } } }).then(
      ({ data, error: err, response }) => {
        if (!live) return;
        if (data) setEvent(data);
        else setError(describeError(err, response.status));
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
