import { useEffect, useState } from 'react';
import { formatDate } from '../../lib/format.ts';
import { useAction, useLoad } from '../../lib/use-api.ts';
import { ErrorMessage, Notice, Spinner } from '../../components/ui.tsx';
import { getDelivery, listDeliveries, replayDelivery, type Delivery } from './api.ts';

const PAGE_SIZE = 20;
/** How often the log is read again while a delivery on screen is still pending (there is no stream of deliveries). */
const PENDING_REFRESH_MS = 1500;

function statusText(d: Delivery, endpointEnabled: boolean): string {
  if (d.status === 'delivered') return 'Delivered';
  if (d.status === 'failed') return 'Failed: given up';
  if (!endpointEnabled) return 'Waiting: the endpoint is disabled';
  // A replayed delivery is pending after a success: only a failed last attempt means retrying.
  const lastFailed = d.last_error !== null || (d.last_status_code !== null && d.last_status_code >= 300);
  return lastFailed ? 'Retrying' : 'Pending';
}

const badgeOf = (d: Delivery) =>
  d.status === 'delivered' ? 'badge-confirmed' : d.status === 'failed' ? 'badge-failed' : 'badge-processing';

function Attempts({ deliveryId }: { deliveryId: string }) {
  const { data: detail, error } = useLoad(() => getDelivery(deliveryId), [deliveryId]);
  if (error) return <ErrorMessage>{error}</ErrorMessage>;
  if (!detail) return <Spinner label="Loading the attempts…" />;
  return (
    <>
      {detail.attempts_log.length === 0 ? <p className="muted">Not attempted yet.</p> : null}
      <ul className="attempts" aria-label={`Attempts of ${detail.event_id}`}>
        {detail.attempts_log.map((a) => (
          <li key={a.attempt}>
            Attempt {a.attempt}, {formatDate(a.started_at)}: {a.status_code ?? 'no answer'}
            {a.error ? ` (${a.error})` : ''}, {a.latency_ms} ms{a.succeeded ? ', delivered' : ''}
          </li>
        ))}
      </ul>
      <details>
        <summary>Body sent</summary>
        <pre className="body-sent">{detail.body}</pre>
      </details>
    </>
  );
}

/**
 * The delivery log of one endpoint, newest first, paged; each delivery can be sent again
 * (same event id and body). `version` changes when something new was sent (a test event).
 */
export function DeliveryLog({ endpointId, endpointEnabled, version }: { endpointId: string; endpointEnabled: boolean; version: number }) {
  const [offset, setOffset] = useState(0);
  const {
    data: page,
    error: loadError,
    reload,
  } = useLoad(() => listDeliveries(endpointId, offset, PAGE_SIZE), [endpointId, offset, version]);
  const { error: replayError, run } = useAction();
  const error = replayError || loadError;
  const [notice, setNotice] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    if (version > 0) setOffset(0);
  }, [version]);

  const pending = !!page?.deliveries.some((d) => d.status === 'pending') && endpointEnabled;
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(reload, PENDING_REFRESH_MS);
    return () => clearTimeout(timer);
  }, [pending, page, reload]);

  async function replay(d: Delivery) {
    setNotice('');
    await run(async () => {
      await replayDelivery(d.delivery_id);
      setNotice(`${d.event_type} ${d.event_id} is being sent again.`);
      reload();
    });
  }

  return (
    <section aria-labelledby="log-heading">
      <h2 id="log-heading">Delivery log</h2>
      <div className="actions">
        <button type="button" onClick={reload}>
          Refresh the log
        </button>
      </div>
      <Notice>{notice}</Notice>
      <ErrorMessage>{error}</ErrorMessage>
      {!page ? (
        error ? null : (
          <Spinner label="Loading the delivery log…" />
        )
      ) : page.deliveries.length === 0 ? (
        <p>Nothing sent yet. “Send test event” sends one now.</p>
      ) : (
        <>
          <p className="muted">
            {page.pagination.total} {page.pagination.total === 1 ? 'delivery' : 'deliveries'}
            {page.pagination.total > PAGE_SIZE ? `, ${offset + 1}–${offset + page.deliveries.length} shown` : ''}
          </p>
          <table className="table">
            <caption className="sr-only">Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event type</th>
                <th scope="col">Status</th>
                <th scope="col">Response code</th>
                <th scope="col">Latency</th>
                <th scope="col">Attempts</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {page.deliveries.map((d) => (
                <tr key={d.delivery_id} data-testid={`delivery-${d.event_id}`}>
                  <td data-label="Time">{formatDate(d.created_at)}</td>
                  <td data-label="Event type" className="wrap">
                    {d.event_type}
                    <div className="muted small">{d.event_id}</div>
                  </td>
                  <td data-label="Status">
                    <span className={`badge ${badgeOf(d)}`}>{statusText(d, endpointEnabled)}</span>
                    {d.status === 'pending' && d.next_attempt_at && d.attempts > 0 ? (
                      <div className="muted small">next attempt {formatDate(d.next_attempt_at)}</div>
                    ) : null}
                  </td>
                  <td data-label="Response code" className="wrap">
                    {d.last_status_code ?? (d.last_error ? 'no answer' : '—')}
                    {d.last_error ? <div className="muted small">{d.last_error}</div> : null}
                  </td>
                  <td data-label="Latency">{d.last_latency_ms === null ? '—' : `${d.last_latency_ms} ms`}</td>
                  <td data-label="Attempts">{d.attempts}</td>
                  <td data-label="Actions">
                    <div className="actions">
                      <button type="button" onClick={() => void replay(d)} aria-label={`Replay ${d.event_type} ${d.event_id}`}>
                        Replay
                      </button>
                      <button
                        type="button"
                        aria-expanded={open === d.delivery_id}
                        aria-label={`Attempts of ${d.event_type} ${d.event_id}`}
                        onClick={() => setOpen(open === d.delivery_id ? null : d.delivery_id)}
                      >
                        Attempts
                      </button>
                    </div>
                    {open === d.delivery_id ? <Attempts deliveryId={d.delivery_id} key={`${d.delivery_id}:${d.attempts}`} /> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.pagination.total > PAGE_SIZE ? (
            <nav className="pager" aria-label="Pages of the delivery log">
              <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
                Newer
              </button>
              <button type="button" disabled={!page.pagination.has_more} onClick={() => setOffset(offset + PAGE_SIZE)}>
                Older
              </button>
            </nav>
          ) : null}
        </>
      )}
    </section>
  );
}
