import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { ErrorMessage, Field } from '../../components/ui.tsx';
import { NETWORK_ERROR } from '../../lib/errors.ts';
import { sendScan, useAttendance, type BatchResult, type ScanAnswer } from './api.ts';
import { useOfflineGate, type GateAnswer, type RefusedScan, type UploadReport } from './use-offline-gate.ts';
import { useOfflineShell } from './use-offline-shell.ts';

// The Barcode Detection API is not in TypeScript's DOM library yet (Chromium on Android and
// macOS, Safari behind a flag): the little of it used here.
interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorClass = new (options: { formats: string[] }) => BarcodeDetectorLike;

function barcodeDetector(): BarcodeDetectorClass | undefined {
  const ctor = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  return ctor && typeof navigator.mediaDevices?.getUserMedia === 'function' ? ctor : undefined;
}

const GATE_KEY = 'ticketing.checkin.gate';
// The camera sees the same code for a while: it is sent once, then ignored this long.
const SAME_CODE_QUIET_MS = 3000;

const HEADLINES: Record<ScanAnswer['result'], string> = {
  valid: 'Valid: admit',
  already_used: 'Already used',
  invalid: 'Invalid ticket',
  wrong_event: 'Wrong event',
  cancelled: 'Cancelled ticket',
};

function timeOf(iso: string): string {
  return new Date(iso).toLocaleTimeString('en', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** The big answer a gate reads from a distance. */
function ScanResult({ answer }: { answer: GateAnswer }) {
  return (
    <div className={`scan-result scan-${answer.result}`} data-result={answer.result}>
      <p className="scan-headline">{HEADLINES[answer.result]}</p>
      {answer.offline ? <p className="scan-offline">Checked on this device (offline)</p> : null}
      {answer.ticket ? <p className="scan-seat">Seat {answer.ticket.seat}</p> : null}
      {answer.result === 'already_used' && answer.admission ? (
        <p>
          Admitted at gate {answer.admission.gate} at {timeOf(answer.admission.at)}
        </p>
      ) : null}
      <p>{answer.message}</p>
    </div>
  );
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The network state of the gate, and the scans waiting for it. */
function Connection({ gate, shellSaved }: { gate: ReturnType<typeof useOfflineGate>; shellSaved: boolean }) {
  const { online, pending, uploading, canVerify } = gate;
  let text: string;
  if (!online) text = `Offline — ${plural(pending, 'scan')} waiting`;
  else if (uploading) text = `Online — uploading ${plural(pending, 'offline scan')}…`;
  else if (pending > 0) text = `Online — ${plural(pending, 'scan')} waiting for upload`;
  else text = 'Online';
  return (
    <div className={`gate-connection${online ? '' : ' gate-offline'}`} role="status" aria-label="Connection">
      <p className="gate-connection-state">{text}</p>
      {!online ? (
        <p>
          {canVerify
            ? 'Tickets are checked on this device and uploaded when the network is back. A ticket used at another gate meanwhile shows up then.'
            : 'This device cannot check tickets offline: it has not fetched the ticket keys yet.'}
        </p>
      ) : canVerify ? (
        <p className="muted">Ready to check tickets offline if the network goes.</p>
      ) : null}
      {shellSaved ? <p className="muted">This page is saved on this device: it opens again without the network.</p> : null}
    </div>
  );
}

/** One uploaded scan that needs a person's attention, as a sentence. */
function reconciled(r: BatchResult & { gate: string }): string {
  const seat = r.ticket ? `Seat ${r.ticket.seat}` : 'A code';
  switch (r.result) {
    case 'valid':
      return r.replaced
        ? `${seat}: admitted here first; the entry at gate ${r.replaced.gate} at ${timeOf(r.replaced.at)} was a second use.`
        : `${seat}: admitted at gate ${r.gate}.`;
    case 'already_used':
      return `${seat}: already used — admitted at gate ${r.admission?.gate ?? '?'} at ${r.admission ? timeOf(r.admission.at) : '?'} before this gate let it in.`;
    case 'cancelled':
      return `${seat}: the ticket was cancelled before the upload, and this gate let it in.`;
    case 'wrong_event':
      return `${seat}: a ticket for another event.`;
    case 'invalid':
      return `${seat}: not a valid ticket.`;
  }
}

/** The answers the server gave to the offline scans: what counts, and the admissions that took over another entry. */
function UploadResults({ report }: { report: UploadReport }) {
  const admitted = report.results.filter((r) => r.result === 'valid').length;
  // The refused ones are listed under "Refused offline scans", until discarded.
  const attention = report.results.filter((r) => r.result === 'valid' && r.replaced);
  return (
    <section className="upload-report" aria-label="Uploaded scans">
      <h2>Offline scans uploaded</h2>
      <p>
        {plural(report.results.length, 'scan')} uploaded: {admitted} admitted, {report.results.length - admitted} not.
      </p>
      {attention.length > 0 ? (
        <ul>
          {attention.slice(0, 100).map((r) => (
            <li key={r.scan_id} data-result={r.result}>
              {reconciled(r)}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

/**
 * The uploaded scans the server refused, each with why, until the staff discard them (one, or
 * all at once). Keyboard: after a discard the focus moves to the next scan's button, or to the
 * heading once none is left, and the live line says what happened.
 */
function RefusedScans({ scans, onDiscard }: { scans: readonly RefusedScan[]; onDiscard: (scanIds: readonly string[]) => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const focusAt = useRef<number | null>(null);
  const [said, setSaid] = useState('');

  useEffect(() => {
    const at = focusAt.current;
    if (at === null) return;
    focusAt.current = null;
    const buttons = list.current?.querySelectorAll<HTMLButtonElement>('button[data-discard]') ?? [];
    (buttons[Math.min(at, buttons.length - 1)] ?? heading.current)?.focus();
  }, [scans]);

  if (scans.length === 0 && !said) return null;
  const discard = (scanIds: string[], at: number) => {
    focusAt.current = at;
    onDiscard(scanIds);
    setSaid(scanIds.length === 1 ? 'Discarded 1 refused scan.' : `Discarded ${scanIds.length} refused scans.`);
  };
  return (
    <section className="refused-scans" aria-labelledby="refused-scans-heading">
      <h2 id="refused-scans-heading" ref={heading} tabIndex={-1}>
        Refused offline scans
      </h2>
      {scans.length > 0 ? (
        <>
          <p>
            {scans.length === 1
              ? 'The server did not accept this scan, which this device let in while offline. Look into it, then discard it'
              : `The server did not accept these ${scans.length} scans, which this device let in while offline. Look into each one, then discard it`}
            : that clears it from this device only (the server keeps its own record).
          </p>
          <ul className="plain-list" ref={list}>
            {scans.map((s, i) => {
              const what = s.ticket ? `seat ${s.ticket.seat}` : 'a code';
              return (
                <li key={s.scan_id} data-result={s.result}>
                  <p className="refused-reason">{reconciled(s)}</p>
                  <p className="muted">
                    Scanned at gate {s.gate}
                    {s.scanned_at ? ` at ${timeOf(s.scanned_at)}` : ''}.
                  </p>
                  <button
                    type="button"
                    data-discard
                    onClick={() => discard([s.scan_id], i)}
                    aria-label={`Discard the refused scan of ${what}`}
                  >
                    Discard
                  </button>
                </li>
              );
            })}
          </ul>
          {scans.length > 1 ? (
            <DiscardAll
              count={scans.length}
              onDiscard={() =>
                discard(
                  scans.map((s) => s.scan_id),
                  0,
                )
              }
            />
          ) : null}
        </>
      ) : (
        <p>None left to look at.</p>
      )}
      <p className="muted" role="status">
        {said}
      </p>
    </section>
  );
}

/**
 * "Discard all", in two steps as the box office's other actions that cannot be undone: the button
 * asks first, with the focus on the answer; keeping them puts the focus back on the button.
 */
function DiscardAll({ count, onDiscard }: { count: number; onDiscard: () => void }) {
  const [asking, setAsking] = useState(false);
  const ask = useRef<HTMLButtonElement>(null);
  const yes = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  useEffect(() => {
    if (asking) yes.current?.focus();
    else if (asked.current) ask.current?.focus();
    asked.current = asking;
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" ref={ask} onClick={() => setAsking(true)}>
        Discard all {count} refused scans…
      </button>
    );
  }
  return (
    <div role="group" aria-label="Confirm discarding all refused scans">
      <p>
        Discard all {count} refused scans from this device? Only do so once each one has been looked into: this device forgets them (the
        server keeps its own record).
      </p>
      <button type="button" className="danger" ref={yes} onClick={onDiscard}>
        Yes, discard all {count}
      </button>{' '}
      <button type="button" onClick={() => setAsking(false)}>
        Keep them
      </button>
    </div>
  );
}

function Camera({ onCode }: { onCode: (code: string) => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [on, setOn] = useState(false);
  const [error, setError] = useState('');
  const Detector = barcodeDetector();
  const onCodeRef = useRef(onCode);
  onCodeRef.current = onCode;

  useEffect(() => {
    if (!on || !Detector) return;
    let stopped = false;
    let stream: MediaStream | undefined;
    let timer: number | undefined;
    const last = { code: '', at: 0 };
    const detector = new Detector({ formats: ['qr_code'] });
    const tick = async () => {
      if (stopped) return;
      try {
        const el = video.current;
        if (el && el.readyState >= 2) {
          const [found] = await detector.detect(el);
          const now = Date.now();
          if (found && (found.rawValue !== last.code || now - last.at > SAME_CODE_QUIET_MS)) {
            last.code = found.rawValue;
            last.at = now;
            onCodeRef.current(found.rawValue);
          }
        }
      } catch {
        // A frame that could not be read: try the next one.
      }
      timer = window.setTimeout(() => void tick(), 200);
    };
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false }).then(
      (s) => {
        stream = s;
        if (stopped) return s.getTracks().forEach((t) => t.stop());
        if (video.current) {
          video.current.srcObject = s;
          void video.current.play().catch(() => undefined);
        }
        void tick();
      },
      () => {
        setError('The camera could not be opened. Allow it in the browser, or type the code below.');
        setOn(false);
      },
    );
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, [on, Detector]);

  if (!Detector) {
    return <p className="muted">This browser cannot read QR codes with the camera: type or paste the code below.</p>;
  }
  return (
    <div className="camera">
      <button type="button" onClick={() => setOn((v) => !v)} aria-pressed={on}>
        {on ? 'Stop the camera' : 'Scan with the camera'}
      </button>
      <ErrorMessage>{error}</ErrorMessage>
      {on ? <video ref={video} className="camera-view" muted playsInline aria-label="Camera view" /> : null}
    </div>
  );
}

/** The scanner of one event's gate: camera where the browser reads QR codes, manual entry always. */
export function Scanner({ eventId }: { eventId: string }) {
  const [gate, setGate] = useState(() => localStorage.getItem(GATE_KEY) ?? 'Main');
  const [answer, setAnswer] = useState<GateAnswer | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const codeInput = useRef<HTMLInputElement>(null);
  const { attendance, canScan } = useAttendance(eventId);
  const offline = useOfflineGate(eventId);
  const { online, scanHere, learn } = offline;
  const shellSaved = useOfflineShell();

  useEffect(() => {
    if (gate.trim()) localStorage.setItem(GATE_KEY, gate.trim());
  }, [gate]);

  const scan = useCallback(
    async (code: string) => {
      const g = gate.trim();
      if (!code.trim()) return;
      if (!g) return setError('Please name this gate first.');
      setBusy(true);
      setError('');
      try {
        if (!online) setAnswer(await scanHere(code.trim(), g));
        else {
          const verdict = await sendScan(eventId, code.trim(), g);
          learn(verdict);
          setAnswer(verdict);
        }
      } catch (err) {
        if (err instanceof TypeError) {
          // The server is out of reach though the browser says online: decide here, upload later.
          try {
            setAnswer(await scanHere(code.trim(), g));
          } catch {
            setAnswer(null);
            setError(NETWORK_ERROR);
          }
        } else {
          setAnswer(null);
          setError((err as Error).message);
        }
      } finally {
        setBusy(false);
      }
    },
    [eventId, gate, online, scanHere, learn],
  );

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const input = codeInput.current;
    if (!input) return;
    await scan(input.value);
    input.value = '';
    input.focus();
  }

  if (canScan === false) return <ErrorMessage>You may not check tickets in for this event.</ErrorMessage>;
  const here = attendance?.gates.find((g) => g.gate === gate.trim());
  return (
    <section className="scanner" aria-label="Scanner">
      <Connection gate={offline} shellSaved={shellSaved} />
      <Field label="Gate" hint="The door or scanner you are at; it is remembered on this device.">
        <input name="gate" value={gate} maxLength={64} onChange={(e) => setGate(e.target.value)} required />
      </Field>
      <Camera onCode={(code) => void scan(code)} />
      <form className="inline-form" onSubmit={submit} aria-label="Manual entry">
        <Field label="Ticket code">
          <input ref={codeInput} name="code" autoComplete="off" autoCapitalize="off" spellCheck={false} autoFocus required />
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          Check in
        </button>
      </form>
      <ErrorMessage>{error}</ErrorMessage>
      <div role="status" aria-live="assertive" aria-atomic="true" aria-label="Scan result">
        {answer ? <ScanResult answer={answer} /> : <p className="muted">Scan a ticket or type its code.</p>}
      </div>
      <ErrorMessage>{offline.uploadError}</ErrorMessage>
      {offline.report ? <UploadResults report={offline.report} /> : null}
      <RefusedScans scans={offline.refused} onDiscard={offline.discardRefused} />
      {attendance ? (
        <dl className="stats" aria-label="Attendance">
          <div>
            <dt>Admitted at this gate</dt>
            <dd data-testid="gate-admitted">{here?.admitted ?? 0}</dd>
          </div>
          <div>
            <dt>Admitted in all</dt>
            <dd>
              {attendance.admitted} of {attendance.tickets_sold}
            </dd>
          </div>
        </dl>
      ) : null}
    </section>
  );
}
