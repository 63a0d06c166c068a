import { useEffect, useState } from 'react';
import { api } from '../../lib/api/client.ts';
import type { paths } from '../../lib/api/schema.ts';
import { describeError, NETWORK_ERROR } from '../../lib/errors.ts';

export type Ticket = paths['/api/tickets']['get']['responses'][200]['content']['application/json']['tickets'][number];

function useLoad(load: () => Promise<{ tickets?: Ticket[]; error: unknown; status: number }>, deps: unknown[]) {
  const [tickets, setTickets] = useState<Ticket[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    load().then(
      ({ tickets: list, error: err, status }) => {
        if (!live) return;
        if (list) setTickets(list);
        else setError(describeError(err, status));
      },
      () => live && setError(NETWORK_ERROR),
    );
    return () => {
      live = false;
    };
  }, deps);
  return { tickets, error };
}

/** The signed-in buyer's tickets, the soonest event first. */
export function useMyTickets() {
  return useLoad(async () => {
    const { data, error, response } = await api.GET('/api/tickets', { params: { query: { limit: 100, offset: 0 } } });
    return { tickets: data?.tickets, error, status: response.status };
  }, []);
}

/** The tickets of one booking; `version` changes when the booking does (its confirmation issues them). */
export function useBookingTickets(bookingId: string, version: string) {
  return useLoad(async () => {
    const { data, error, response } = await api.GET('/api/bookings/{id}/tickets', { params: { path: { id: bookingId } } });
    return { tickets: data?.tickets, error, status: response.status };
  }, [bookingId, version]);
}
