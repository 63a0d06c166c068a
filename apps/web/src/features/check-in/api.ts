import { useCallback, useEffect, useState } from 'react';
import { api } from '../../lib/api/client.ts';
import type { paths } from '../../lib/api/schema.ts';
import { getToken } from '../../lib/auth-token.ts';
import { describeError, NETWORK_ERROR } from '../../lib/errors.ts';
import { useEventSource } from '../../lib/use-event-source.ts';

export type ScanAnswer = paths['/api/events/{id}/check-ins']['post']['responses'][200]['content']['application/json'];
export type Attendance = Omit<paths['/api/events/{id}/check-ins']['get']['responses'][200]['content']['application/json'], 'can_scan'>;
export type BatchAnswer = paths['/api/events/{id}/check-ins/batch']['post']['responses'][200]['content']['application/json'];
export type BatchResult = BatchAnswer['results'][number];
type TicketKeys = paths['/api/tickets/keys']['get']['responses'][200]['content']['application/json'];

export interface RecentScan {
  gate: string;
  result: ScanAnswer['result'];
  seat: string | null;
  at: string;
}

/** Sends one scan; throws a sentence when it could not be made (network, refusal). */
export async function sendScan(eventId: string, code: string, gate: string): Promise<ScanAnswer> {
  const { data, error, response } = await api.POST('/api/events/{id}/check-ins', {
    params: { path: { id: eventId } },
    body: { code, gate },
  });
  if (data) return data;
  throw new Error(describeError(error, response.status));
}

/** The public keys that verify ticket codes, for checking them while offline. */
export async function fetchTicketKeys(): Promise<TicketKeys['keys']> {
  const { data, error, response } = await api.GET('/api/tickets/keys');
  if (data) return data.keys;
  throw new Error(describeError(error, response.status));
}

/** Uploads scans an offline gate made (at most 500); answers one result per scan, in order. */
export async function uploadScans(
  eventId: string,
  gate: string,
  scans: { scan_id: string; code: string; scanned_at: string }[],
): Promise<BatchResult[]> {
  const { data, error, response } = await api.POST('/api/events/{id}/check-ins/batch', {
    params: { path: { id: eventId } },
    body: { gate, scans },
  });
  if (data) return data.results;
  throw new UploadRefused(describeError(error, response.status), response.status);
}

/** The server answered the upload with a refusal (not a network failure). */
export class UploadRefused extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * The event's check-in counters, kept live from the attendance stream (counters on connect and
 * after scans). `allowed` is false when the caller may not read them (the panel then shows
 * nothing); `canScan` whether the caller may also scan (viewers only watch).
 */
export function useAttendance(eventId: string, onScans?: (recent: RecentScan[]) => void) {
  const [attendance, setAttendance] = useState<Attendance | null>(null);
  const [allowed, setAllowed] = useState<boolean | null>(null);
  // Viewers read the counters but may not scan.
  const [canScan, setCanScan] = useState<boolean | null>(null);
  const [error, setError] = useState('');
  const [live, setLive] = useState(false);

  const apply = useCallback((next: Attendance) => {
    // Counters read later replace earlier ones, never the other way round.
    setAttendance((cur) => (cur && Number(cur.as_of) >= Number(next.as_of) ? cur : next));
  }, []);

  useEffect(() => {
    let current = true;
    api.GET('/api/events/{id}/check-ins', { params: { path: { id: eventId } } }).then(
      ({ data, error: err, response }) => {
        if (!current) return;
        if (data) {
          setAllowed(true);
          setCanScan(data.can_scan);
          const { can_scan: _, ...counters } = data;
          apply(counters);
        } else if (response.status === 403 || response.status === 404) {
          setAllowed(false);
          setCanScan(false);
        } else setError(describeError(err, response.status));
      },
      () => current && setError(NETWORK_ERROR),
    );
    return () => {
      current = false;
    };
  }, [eventId, apply]);

  const token = getToken();
  useEventSource(
    allowed && token ? `/api/events/${encodeURIComponent(eventId)}/check-ins/stream?access_token=${encodeURIComponent(token)}` : null,
    {
      attendance: (data) => {
        const m = data as Attendance & { recent: RecentScan[] };
        apply(m);
        if (m.recent.length > 0) onScans?.(m.recent);
      },
    },
    () => setLive(true),
  );
  return { attendance, allowed, canScan, error, live };
}
