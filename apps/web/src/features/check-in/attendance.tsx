import { useCallback, useState } from 'react';
import { ErrorMessage } from '../../components/ui.tsx';
import { Link } from '../../lib/router.tsx';
import { useAttendance, type RecentScan } from './api.ts';

const RESULT_TEXT: Record<RecentScan['result'], string> = {
  valid: 'admitted',
  already_used: 'refused: already used',
  invalid: 'refused: invalid code',
  wrong_event: 'refused: another event',
  cancelled: 'refused: cancelled ticket',
};

interface Activity extends RecentScan {
  key: number;
}

/** Live attendance for the box office: admitted of tickets sold, per gate, and the latest scans. */
export function AttendancePanel({ eventId }: { eventId: string }) {
  const [activity, setActivity] = useState<Activity[]>([]);
  const onScans = useCallback((recent: RecentScan[]) => {
    setActivity((a) => [...recent.map((r) => ({ ...r, key: Math.random() })).reverse(), ...a].slice(0, 20));
  }, []);
  const { attendance, allowed, canScan, error, live } = useAttendance(eventId, onScans);

  if (allowed === false) return null;
  if (!attendance) return <ErrorMessage>{error}</ErrorMessage>;
  const percent = attendance.tickets_sold > 0 ? Math.round((attendance.admitted / attendance.tickets_sold) * 100) : 0;
  return (
    <section aria-label="Check-in">
      <h2>Check-in</h2>
      {canScan ? (
        <p>
          <Link to={`/box-office/events/${eventId}/scan`} className="button">
            Open the scanner
          </Link>
        </p>
      ) : null}
      <dl className="stats" aria-label="Attendance" aria-live="polite">
        <div>
          <dt>Admitted</dt>
          <dd data-testid="admitted">{attendance.admitted.toLocaleString('en')}</dd>
        </div>
        <div>
          <dt>Tickets sold</dt>
          <dd data-testid="tickets-sold">{attendance.tickets_sold.toLocaleString('en')}</dd>
        </div>
        <div>
          <dt>Attendance</dt>
          <dd>{percent}%</dd>
        </div>
      </dl>
      <p className={live ? 'live' : 'muted'}>{live ? '● Live' : 'Connecting…'}</p>
      {attendance.gates.length === 0 ? (
        <p className="muted">No ticket has been scanned yet.</p>
      ) : (
        <table className="table">
          <caption className="sr-only">Scans per gate</caption>
          <thead>
            <tr>
              <th scope="col">Gate</th>
              <th scope="col">Admitted</th>
              <th scope="col">Scans</th>
              <th scope="col">Refused</th>
            </tr>
          </thead>
          <tbody>
            {attendance.gates.map((g) => (
              <tr key={g.gate}>
                <th scope="row">{g.gate}</th>
                <td>{g.admitted}</td>
                <td>{g.scans}</td>
                <td>{g.refused}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {activity.length > 0 ? (
        <ul className="activity" aria-label="Latest scans">
          {activity.map((a) => (
            <li key={a.key}>
              <time dateTime={a.at}>{new Date(a.at).toLocaleTimeString('en')}</time> Gate {a.gate}
              {a.seat ? `, seat ${a.seat}` : ''}: {RESULT_TEXT[a.result]}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
