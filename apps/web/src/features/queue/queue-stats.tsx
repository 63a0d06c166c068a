import { useState, type FormEvent } from 'react';
import { api } from '../../lib/api/client.ts';
import { getToken } from '../../lib/auth-token.ts';
import { call } from '../../lib/api/call.ts';
import { useAction } from '../../lib/use-api.ts';
import { useEventSource } from '../../lib/use-event-source.ts';
import { ErrorMessage, Field } from '../../components/ui.tsx';
import { useWaitingRoom, type QueueStats } from './api.ts';

function localInput(iso: string | null): string {
  const d = iso ? new Date(iso) : new Date(Date.now() + 3600_000);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** The organizer's waiting room: switch it on for an on-sale, and watch the queue live. */
export function WaitingRoomPanel({ eventId }: { eventId: string }) {
  const { room, reload } = useWaitingRoom(eventId);
  const [stats, setStats] = useState<QueueStats | null>(null);
  const { busy, error, run } = useAction();
  const token = getToken();
  useEventSource(
    room?.enabled && token ? `/api/events/${eventId}/waiting-room/stats/stream?access_token=${encodeURIComponent(token)}` : null,
    {
      stats: (data) => setStats(data as QueueStats),
    },
  );

  async function save(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    await run(async () => {
      await call(
        api.PUT('/api/events/{id}/waiting-room', {
          params: { path: { id: eventId } },
          body: {
            enabled: form.get('enabled') === 'on',
            opens_at: new Date(form.get('opens_at') as string).toISOString(),
            admit_per_minute: Number(form.get('admit_per_minute')),
            admission: form.get('admission') === 'adaptive' ? 'adaptive' : 'fixed',
          },
        }),
      );
      reload();
    });
  }

  if (!room) return null;
  return (
    <section aria-label="Waiting room">
      <h2>Waiting room</h2>
      {room.enabled && stats ? (
        <dl className="stats" aria-label="Queue" aria-live="polite">
          <div>
            <dt>Waiting</dt>
            <dd data-testid="queue-waiting">{stats.waiting.toLocaleString('en')}</dd>
          </div>
          <div>
            <dt>Admitting now, per minute</dt>
            <dd data-testid="queue-admit-rate">{stats.admit_rate_per_minute?.toLocaleString('en') ?? '–'}</dd>
          </div>
          <div>
            <dt>Admitted in the last minute</dt>
            <dd data-testid="queue-admitted-per-minute">{stats.admitted_last_minute.toLocaleString('en')}</dd>
          </div>
          <div>
            <dt>Admitted in all</dt>
            <dd>{stats.admitted_total.toLocaleString('en')}</dd>
          </div>
          <div>
            <dt>Sold seats</dt>
            <dd>{stats.sold_seats.toLocaleString('en')}</dd>
          </div>
        </dl>
      ) : null}
      <form className="inline-form" onSubmit={save} key={room.opens_at ?? 'new'}>
        <label>
          <input name="enabled" type="checkbox" defaultChecked={room.enabled} /> Queue buyers in a waiting room
        </label>
        <Field label="Sales open at">
          <input name="opens_at" type="datetime-local" defaultValue={localInput(room.opens_at)} required />
        </Field>
        <Field label="Admission">
          <select name="admission" defaultValue={room.admission ?? 'fixed'}>
            <option value="fixed">At the rate I set</option>
            <option value="adaptive">As fast as the platform keeps up, at most my rate</option>
          </select>
        </Field>
        <Field label="Buyers admitted per minute (at most)">
          <input name="admit_per_minute" type="number" min={1} max={1000000} defaultValue={room.admit_per_minute ?? 600} required />
        </Field>
        <button type="submit" disabled={busy}>
          Save waiting room
        </button>
      </form>
      <ErrorMessage>{error}</ErrorMessage>
    </section>
  );
}
