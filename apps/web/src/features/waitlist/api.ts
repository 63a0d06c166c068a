import { api } from '../../lib/api/client.ts';
import { call } from '../../lib/api/call.ts';
import type { paths } from '../../lib/api/schema.ts';
import { getToken } from '../../lib/auth-token.ts';
import { useLoad } from '../../lib/use-api.ts';
import { useEventSource } from '../../lib/use-event-source.ts';

export type WaitlistEntries = paths['/api/events/{id}/waitlist']['get']['responses'][200]['content']['application/json'];
export type WaitlistEntry = WaitlistEntries['entries'][number];

/** The caller's entries on the event's waiting list, kept live by the waiting-list stream. */
export function useMyWaitlist(eventId: string, enabled: boolean) {
  const {
    data: entries,
    error,
    setData: setEntries,
    reload,
  } = useLoad(
    async () => (enabled ? (await call(api.GET('/api/events/{id}/waitlist', { params: { path: { id: eventId } } }))).entries : undefined),
    [eventId, enabled],
  );

  const token = getToken();
  useEventSource(enabled && token ? `/api/events/${eventId}/waitlist/stream?access_token=${encodeURIComponent(token)}` : null, {
    entries: (data) => setEntries((data as WaitlistEntries).entries),
  });

  return { entries, error, reload };
}

export const joinWaitlist = (eventId: string, quantity: number, section: string | undefined) =>
  call(api.POST('/api/events/{id}/waitlist', { params: { path: { id: eventId } }, body: section ? { quantity, section } : { quantity } }));

export const leaveWaitlist = (eventId: string, entryId: string) =>
  call(api.DELETE('/api/events/{id}/waitlist/{entryId}', { params: { path: { id: eventId, entryId } } }));

export const declineOffer = (eventId: string, entryId: string) =>
  call(api.POST('/api/events/{id}/waitlist/{entryId}/decline', { params: { path: { id: eventId, entryId } } }));
