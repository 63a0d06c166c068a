import { useCallback, useEffect, useState } from 'react';
import { api } from '../../lib/api/client.ts';
import { saveAdmission } from '../../lib/admission.ts';
import { getToken } from '../../lib/auth-token.ts';
import { ApiError, call, messageOf } from '../../lib/api/call.ts';
import { formatDate } from '../../lib/format.ts';
import { useEventSource } from '../../lib/use-event-source.ts';
import { ErrorMessage, Notice, Spinner } from '../../components/ui.tsx';
import type { QueuePlace } from './api.ts';

function waitText(seconds: number | null): string {
  if (seconds === null) return '';
  if (seconds < 60) return 'less than a minute';
  const minutes = Math.round(seconds / 60);
  return minutes === 1 ? 'about a minute' : `about ${minutes} minutes`;
}

/**
 * The buyer's place in the event's waiting room: joins (or finds the place it has), follows it
 * live, and calls `onAdmitted` by itself once admitted, with the admission token kept for the
 * seat map.
 */
export function QueueView({ eventId, onAdmitted }: { eventId: string; onAdmitted: () => void }) {
  const [place, setPlace] = useState<QueuePlace | null>(null);
  const [error, setError] = useState('');
  const [paused, setPaused] = useState(false);
  const [attempt, setAttempt] = useState(0);

  const admitted = useCallback(
    (p: QueuePlace) => {
      setPlace(p);
      setPaused(false);
      if (p.status === 'admitted' && p.admission_token && p.token_expires_at) {
        saveAdmission(eventId, p.admission_token, p.token_expires_at);
        onAdmitted();
      }
    },
    [eventId, onAdmitted],
  );

  useEffect(() => {
    let live = true;
    let retry: ReturnType<typeof setTimeout> | undefined;
    void (async () => {
      try {
        const data = await call(api.POST('/api/events/{id}/queue', { params: { path: { id: eventId } } }));
        if (live) admitted(data);
      } catch (err) {
        if (!live) return;
        // Already in the queue: the refusal carries the place.
        const existing = err instanceof ApiError ? (err.details?.place as QueuePlace | undefined) : undefined;
        if (existing) admitted(existing);
        else if (err instanceof ApiError && err.status === 503) {
          setPaused(true);
          retry = setTimeout(() => setAttempt((a) => a + 1), 2000);
        } else setError(messageOf(err));
      }
    })();
    return () => {
      live = false;
      clearTimeout(retry);
    };
  }, [eventId, attempt, admitted]);

  const token = getToken();
  const streaming = place?.status === 'waiting' && token;
  useEventSource(streaming ? `/api/events/${eventId}/queue/stream?access_token=${encodeURIComponent(token)}` : null, {
    place: (data) => admitted(data as QueuePlace),
    paused: () => setPaused(true),
    gone: () => setAttempt((a) => a + 1),
  });

  if (error) return <ErrorMessage>{error}</ErrorMessage>;
  if (!place)
    return paused ? (
      <Notice>The queue is paused for a moment; your place is kept. Retrying…</Notice>
    ) : (
      <Spinner label="Joining the queue…" />
    );
  if (place.status === 'used' || place.status === 'expired') {
    return (
      <section aria-label="Waiting room">
        <p>{place.status === 'used' ? 'You already used your turn to pick seats.' : 'Your turn to pick seats has expired.'}</p>
        <button type="button" className="primary" onClick={() => setAttempt((a) => a + 1)}>
          Join the queue again
        </button>
      </section>
    );
  }
  const beforeSale = Date.parse(place.opens_at) > Date.now();
  return (
    <section aria-label="Waiting room" aria-live="polite">
      {place.status === 'admitted' ? (
        <p>It is your turn! Taking you to the seats…</p>
      ) : (
        <>
          <p className="queue-position">
            Your place in line: <strong data-testid="queue-position">{place.position?.toLocaleString('en')}</strong> of{' '}
            {place.waiting.toLocaleString('en')}
          </p>
          <p>Estimated wait: {waitText(place.estimated_wait_seconds)}.</p>
          {beforeSale ? (
            <p className="muted">
              Sales open {formatDate(place.opens_at)}. Everyone who joins before then gets a place drawn at random: arriving early does not
              help, and you can leave this page open.
            </p>
          ) : (
            <p className="muted">Keep this page open: it takes you to the seat map by itself when it is your turn.</p>
          )}
        </>
      )}
      {paused ? <Notice>The queue is paused for a moment; your place is kept.</Notice> : null}
    </section>
  );
}
