import { useEffect, useState } from 'react';
import { api } from '../../lib/api/client.ts';
import type { paths } from '../../lib/api/schema.ts';

export type WaitingRoom = paths['/api/events/{id}/waiting-room']['get']['responses'][200]['content']['application/json'];
export type QueuePlace = paths['/api/events/{id}/queue/me']['get']['responses'][200]['content']['application/json'];
export type QueueStats = paths['/api/events/{id}/waiting-room/stats']['get']['responses'][200]['content']['application/json'];

/** The event's waiting room settings (undefined while loading; a failed read counts as no room). */
export function useWaitingRoom(eventId: string): { room: WaitingRoom | undefined; reload: () => void } {
  const [room, setRoom] = useState<WaitingRoom | undefined>(undefined);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let live = true;
    api.GET('/api/events/{id}/waiting-room', { params: { path: { id: eventId } } }).then(
      ({ data }) =>
        live &&
        setRoom(
          data ?? {
            event_id: eventId,
            enabled: false,
            opens_at: null,
            admit_per_minute: null,
            admission: null,
            token_ttl_seconds: null,
            grace_seconds: null,
          },
        ),
      () =>
        live &&
        setRoom({
          event_id: eventId,
          enabled: false,
          opens_at: null,
          admit_per_minute: null,
          admission: null,
          token_ttl_seconds: null,
          grace_seconds: null,
        }),
    );
    return () => {
      live = false;
    };
  }, [eventId, version]);
  return { room, reload: () => setVersion((v) => v + 1) };
}
