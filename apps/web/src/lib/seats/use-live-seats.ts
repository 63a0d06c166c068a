import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client.ts';
import { call, messageOf } from '../api/call.ts';
import { useEventSource } from '../use-event-source.ts';
import { preloadKeys, takePreloaded } from '../preload.ts';
import { applyChange, buildModel, type CompactSeatMap, type SeatModel, type SeatStatus } from './seat-model.ts';

export interface SeatChange {
  change: 'held' | 'released' | 'booked' | 'expired';
  status: SeatStatus;
  seats: string[];
  at: string;
}

/**
 * The seat map of an event, kept live from the seat stream: the stream is opened first, and
 * the map is (re)loaded on each snapshot (first connect and every reconnect), with the changes
 * that arrive meanwhile applied on top, so no change is lost between the two. A map preloaded
 * beside the event (lib/preload.ts) is drawn first, without waiting for the stream; the
 * snapshot's reload then replaces it, so a change it missed is only shown a moment late.
 */
export function useLiveSeats(eventId: string, onChange?: (c: SeatChange, changed: string[]) => void) {
  const [model, setModel] = useState<SeatModel | null>(null);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState('');
  const [live, setLive] = useState(false);
  const modelRef = useRef<SeatModel | null>(null);
  const pending = useRef<SeatChange[] | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  const load = useCallback(async () => {
    pending.current = [];
    performance.mark('seat-map:request');
    try {
      const data = await call(api.GET('/api/events/{id}/seats/compact', { params: { path: { id: eventId } } }));
      performance.mark('seat-map:response');
      const m = buildModel(data);
      performance.mark('seat-map:model');
      for (const c of pending.current ?? []) applyChange(m, c.seats, c.status);
      pending.current = null;
      modelRef.current = m;
      setModel(m);
      setVersion((v) => v + 1);
      setError('');
    } catch (err) {
      setError(messageOf(err));
    }
  }, [eventId]);

  useEffect(() => {
    let current = true;
    void takePreloaded<CompactSeatMap>(preloadKeys.seatMap(eventId)).then((data) => {
      // Too late when the stream's own load came first.
      if (!data || !current || modelRef.current) return;
      performance.mark('seat-map:response');
      const m = buildModel(data);
      performance.mark('seat-map:model');
      modelRef.current = m;
      setModel(m);
      setVersion((v) => v + 1);
    });
    return () => {
      current = false;
    };
  }, [eventId]);

  useEventSource(`/api/events/${encodeURIComponent(eventId)}/seats/stream`, {
    snapshot: () => {
      setLive(true);
      void load();
    },
    seats: (data) => {
      const c = data as SeatChange;
      if (pending.current) pending.current.push(c);
      const m = modelRef.current;
      if (!m) return;
      const changed = applyChange(m, c.seats, c.status);
      if (changed.length > 0) {
        setVersion((v) => v + 1);
        onChangeRef.current?.(c, changed);
      }
    },
    error: () => setLive(false),
  });

  // Without a stream (e.g. blocked by a proxy) the map is still shown.
  useEffect(() => {
    const t = setTimeout(() => {
      if (!modelRef.current) void load();
    }, 3000);
    return () => clearTimeout(t);
  }, [load]);

  return { model, version, error, live, reload: load };
}
