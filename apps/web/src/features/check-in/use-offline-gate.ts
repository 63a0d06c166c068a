import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '../../lib/api/call.ts';
import { NETWORK_ERROR } from '../../lib/errors.ts';
import { fetchTicketKeys, uploadScans, type BatchResult, type ScanAnswer } from './api.ts';
import { createOfflineVerifier, offlineStore, ticketKeys, type PendingScan } from './offline.ts';

/** An answer the gate shows: from the server, or decided on this device while offline. */
export type GateAnswer = ScanAnswer & { offline?: boolean };

/**
 * A queued scan the server did not accept at upload (`already_used`, `cancelled`, ...), with its
 * answer: kept on the device until the staff have looked at it and discard it.
 */
export type RefusedScan = BatchResult & { gate: string; scanned_at: string };

/** What the last upload of offline scans came back with. */
export interface UploadReport {
  results: (BatchResult & { gate: string })[];
}

// The batch route takes at most this many scans per request.
const UPLOAD_CHUNK = 500;
// While scans wait and the browser says it is online (a server that was unreachable), retry.
const RETRY_MS = 15_000;

function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}

/**
 * A gate's offline mode (docs/checkin.md#offline-gates): keeps the ticket keys while online,
 * checks codes on this device while offline (signature, event, tickets this device let in),
 * queues the admissions, and uploads them to the batch route once the network is back.
 */
export function useOfflineGate(eventId: string) {
  const online = useOnline();
  const store = useMemo(() => offlineStore<RefusedScan>(eventId), [eventId]);
  const [keys, setKeys] = useState(() => ticketKeys.load());
  const [pending, setPending] = useState(() => store.pending().length);
  const [refused, setRefused] = useState(() => store.refused());
  const [report, setReport] = useState<UploadReport | null>(null);
  const [uploadError, setUploadError] = useState('');
  const [uploading, setUploading] = useState(false);
  const busy = useRef(false);
  const verifier = useMemo(() => createOfflineVerifier(keys), [keys]);
  // WebCrypto (and random scan ids) exist only on secure pages: https, or localhost.
  const secure = typeof crypto !== 'undefined' && crypto.subtle !== undefined && window.isSecureContext;

  // Fresh keys whenever the network is there (a rotated key verifies new tickets).
  useEffect(() => {
    if (!online) return;
    let current = true;
    fetchTicketKeys().then(
      (k) => {
        if (!current) return;
        ticketKeys.save(k);
        setKeys(k);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [online]);

  /** What the server said about a ticket's admission: remembered, so a re-scan offline is refused. */
  const learn = useCallback(
    (answer: ScanAnswer) => {
      if (answer.ticket && answer.admission && (answer.result === 'valid' || answer.result === 'already_used')) {
        store.remember(answer.ticket.ticket_id, answer.admission.gate, answer.admission.at);
      }
    },
    [store],
  );

  const upload = useCallback(async () => {
    if (busy.current) return;
    const scans = store.pending();
    if (scans.length === 0) return;
    busy.current = true;
    setUploading(true);
    const results: UploadReport['results'] = [];
    try {
      const byGate = new Map<string, PendingScan[]>();
      for (const s of scans) byGate.set(s.gate, [...(byGate.get(s.gate) ?? []), s]);
      for (const [gate, list] of byGate) {
        for (let i = 0; i < list.length; i += UPLOAD_CHUNK) {
          const chunk = list.slice(i, i + UPLOAD_CHUNK);
          const answers = await uploadScans(
            eventId,
            gate,
            chunk.map(({ scan_id, code, scanned_at }) => ({ scan_id, code, scanned_at })),
          );
          // Kept before the scans leave the queue: a reload in between uploads them again, and
          // the same answers replace these.
          const scannedAt = new Map(chunk.map((s) => [s.scan_id, s.scanned_at]));
          store.addRefused(
            answers.filter((a) => a.result !== 'valid').map((a) => ({ ...a, gate, scanned_at: scannedAt.get(a.scan_id) ?? '' })),
          );
          // Answered: these scans are the server's now (a re-upload would be answered the same).
          store.removePending(chunk.map((s) => s.scan_id));
          for (const a of answers) {
            learn(a);
            results.push({ ...a, gate });
          }
        }
      }
      setUploadError('');
    } catch (err) {
      setUploadError(err instanceof ApiError ? `The offline scans could not be uploaded: ${err.message}` : NETWORK_ERROR);
    } finally {
      if (results.length > 0) setReport({ results });
      busy.current = false;
      setUploading(false);
      setPending(store.pending().length);
      setRefused(store.refused());
    }
  }, [eventId, store, learn]);

  /** Forgets refused scans on this device; queued and accepted scans are not touched. */
  const discardRefused = useCallback(
    (scanIds: readonly string[]) => {
      store.discardRefused(scanIds);
      setRefused(store.refused());
    },
    [store],
  );

  useEffect(() => {
    if (!online) return;
    void upload();
    const timer = window.setInterval(() => {
      if (store.pending().length > 0) void upload();
    }, RETRY_MS);
    return () => window.clearInterval(timer);
  }, [online, upload, store]);

  /** Decides a scan on this device; an admission is queued for upload. */
  const scanHere = useCallback(
    async (code: string, gate: string): Promise<GateAnswer> => {
      if (!secure) {
        return {
          result: 'invalid',
          offline: true,
          message: 'Tickets can be checked offline only when this page is opened over HTTPS. Do not admit until the network is back.',
        };
      }
      if (keys.length === 0) {
        return {
          result: 'invalid',
          offline: true,
          message: 'This device has no ticket keys yet, so it cannot check tickets offline. Connect it once, then try again.',
        };
      }
      const checked = await verifier.verify(code);
      if (!checked.ok) {
        return {
          result: 'invalid',
          reason: checked.reason,
          offline: true,
          message: 'Not a ticket of this platform (checked offline). Do not admit.',
        };
      }
      const t = checked.ticket;
      const ticket = { ticket_id: t.ticketId, event_id: t.eventId, booking_id: t.bookingId, seat: t.seat };
      if (t.eventId !== eventId.toLowerCase()) {
        return { result: 'wrong_event', ticket, offline: true, message: 'A ticket for another event. Do not admit.' };
      }
      const before = store.admitted(t.ticketId);
      if (before) {
        return {
          result: 'already_used',
          ticket,
          admission: { gate: before.gate, at: before.at, source: 'offline' },
          offline: true,
          message: 'This ticket was let in before, as this device knows. Do not admit.',
        };
      }
      const at = new Date().toISOString();
      store.addPending({ scan_id: crypto.randomUUID(), code, scanned_at: at, gate });
      store.remember(t.ticketId, gate, at);
      setPending(store.pending().length);
      return {
        result: 'valid',
        ticket,
        admission: { gate, at, source: 'offline' },
        offline: true,
        message: `Valid: seat ${t.seat}. Admit. The scan is uploaded when the network is back.`,
      };
    },
    [eventId, keys, store, verifier, secure],
  );

  return {
    online,
    pending,
    uploading,
    report,
    uploadError,
    refused,
    discardRefused,
    canVerify: secure && keys.length > 0,
    scanHere,
    learn,
    upload,
  };
}
