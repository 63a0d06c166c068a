import { api } from '../../lib/api/client.ts';
import { call } from '../../lib/api/call.ts';
import type { paths } from '../../lib/api/schema.ts';
import { useLoad } from '../../lib/use-api.ts';

export type Ticket = paths['/api/tickets']['get']['responses'][200]['content']['application/json']['tickets'][number];

function useTickets(load: () => Promise<{ tickets: Ticket[] }>, deps: unknown[]) {
  const { data, error } = useLoad(load, deps);
  return { tickets: data?.tickets ?? null, error };
}

/** The signed-in buyer's tickets, the soonest event first. */
export function useMyTickets() {
  return useTickets(() => call(api.GET('/api/tickets', { params: { query: { limit: 100, offset: 0 } } })), []);
}

/** The tickets of one booking; `version` changes when the booking does (its confirmation issues them). */
export function useBookingTickets(bookingId: string, version: string) {
  return useTickets(() => call(api.GET('/api/bookings/{id}/tickets', { params: { path: { id: bookingId } } })), [bookingId, version]);
}
