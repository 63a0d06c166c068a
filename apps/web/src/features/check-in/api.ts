import { useCallback, useEffect, useState } from 'react';
import { api } from '../../lib/api/client.ts';
import { ApiError, call } from '../../lib/api/call.ts';
import type { paths } from '../../lib/api/schema.ts';
import { getToken } from '../../lib/auth-token.ts';
import { useLoad } from '../../lib/use-api.ts';
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

/** Sends one scan; throws an ApiError when refused, a TypeError when the server is out of reach. */
export const sendScan = (eventId: string, code: string, gate: string): Promise<ScanAnswer> =>
  call(api.POST('/api/events/{id}/check-ins', { params: { path: { id: eventId } }, body: { code, gate } }));

/** The public keys that verify ticket codes, for checking them while offline. */
export const fetchTicketKeys = async (): Promise<TicketKeys['keys']> => (await call(api.GET('/api/tickets/keys'))).keys;

/**
 * Uploads scans an offline gate made (at most 500); answers one result per scan, in order.
 * Throws an ApiError when the server refused the upload, a TypeError when it was out of reach.
 */
export async function uploadScans(
  eventId: string,
  gate: string,
  scans: { scan_id: string; code: string; scanned_at: string }[],
): Promise<BatchResult[]> {
  return (await call(api.POST('/api/events/{id}/check-ins/batch', { params: { path: { id: eventId } }, body: { gate, scans } }))).results;
}

/**
 * The event's check-in counters, kept live from the attendance stream (counters on connect and
 * after scans). `allowed` is false when the caller may not read them (the panel then shows
 * nothing); `canScan` whether the caller may also scan (viewers only watch).
 */
export function useAttendance(eventId: string, onScans?: (recent: RecentScan[]) => void) {
  const [attendance, setAttendance] = useState<Attendance | null>(null);
  const [live, setLive] = useState(false);

  const apply = useCallback((next: Attendance) => {
    // Counters read later replace earlier ones, never the other way round.
    setAttendance((cur) => (cur && Number(cur.as_of) >= Number(next.as_of) ? cur : next));
  }, []);

  // null: not the caller's to read.
  const { data: loaded, error } = useLoad(async () => {
    try {
      return await call(api.GET('/api/events/{id}/check-ins', { params: { path: { id: eventId } } }));
    } catch (err) {
      if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return null;
      throw err;
    }
  }, [eventId]);
  const allowed = loaded === undefined ? null : loaded !== null;
  // Viewers read the counters but may not scan.
  const canScan = loaded === undefined ? null : (loaded?.can_scan ?? false);
  useEffect(() => {
    if (!loaded) return;
    const { can_scan: _, ...counters } = loaded;
    apply(counters);
  }, [loaded, apply]);

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
