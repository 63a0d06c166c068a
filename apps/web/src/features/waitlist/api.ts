import { useCallback, useEffect, useState } from 'react';
import { api } from '../../lib/api/client.ts';
import type { paths } from '../../lib/api/schema.ts';
import { getToken } from '../../lib/auth-token.ts';
import { describeError, NETWORK_ERROR } from '../../lib/errors.ts';
import { useEventSource } from '../../lib/use-event-source.ts';

export type WaitlistEntries = paths['/api/events/{id}/waitlist']['get']['responses'][200]['content']['application/json'];
export type WaitlistEntry = WaitlistEntries['entries'][number];

/** The caller's entries on the event's waiting list, kept live by the waiting-list stream. */
export function useMyWaitlist(eventId: string, enabled: boolean) {
  const [entries, setEntries] = useState<WaitlistEntry[] | undefined>(undefined);
  const [error, setError] = useState('');
  const [version, setVersion] = useState(0);

  useEffect(() => {
    if (!enabled) return;
    let live = true;
    api.GET('/api/events/{id}/waitlist', { params: { path: { id: eventId } } }).then(
      ({ data, error: err, response }) => {
        if (!live) return;
        if (data) setEntries(data.entries);
        else setError(describeError(err, response.status));
      },
      () => live && setError(NETWORK_ERROR),
    );
    return () => {
      live = false;
    };
  }, [eventId, enabled, version]);

  const token = getToken();
  useEventSource(enabled && token ? `/api/events/${eventId}/waitlist/stream?access_token=${encodeURIComponent(token)}` : null, {
    entries: (data) => setEntries((data as WaitlistEntries).entries),
  });

  return { entries, error, reload: useCallback(() => setVersion((v) => v + 1), []) };
}

/** Joins; resolves to an error sentence, or '' when joined. */
export async function joinWaitlist(eventId: string, quantity: number, section: string | undefined): Promise<string> {
  try {
    const { error, response } = await api.POST('/api/events/{id}/waitlist', {
      params: { path: { id: eventId } },
      body: section ? { quantity, section } : { quantity },
    });
    return error ? describeError(error, response.status) : '';
  } catch {
    return NETWORK_ERROR;
  }
}

export async function leaveWaitlist(eventId: string, entryId: string): Promise<string> {
  try {
    const { error, response } = await api.DELETE('/api/events/{id}/waitlist/{entryId}', { params: { path: { id: eventId, entryId } } });
    return error ? describeError(error, response.status) : '';
  } catch {
    return NETWORK_ERROR;
  }
}

export async function declineOffer(eventId: string, entryId: string): Promise<string> {
  try {
    const { error, response } = await api.POST('/api/events/{id}/waitlist/{entryId}/decline', {
      params: { path: { id: eventId, entryId } },
    });
    return error ? describeError(error, response.status) : '';
  } catch {
    return NETWORK_ERROR;
  }
}
