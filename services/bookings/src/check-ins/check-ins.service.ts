import { randomUUID } from 'node:crypto';
import type { OutboxRow, OutboxSignal } from '@ticketing/bus';
import { decideOrganizerAccess, type UserClaims } from '@ticketing/auth';
import { ticketCheckIns, type InternalEventOwner, type TicketCheckedIn } from '@ticketing/contracts';
import { invalidRequest } from '@ticketing/http';
import type { TicketVerifier, VerifiedTicket } from '@ticketing/tickets';
import type { CallContext } from '../clients/events-client.ts';
import type { EventAccess } from '../organizer/event-access.ts';
import { readAttendance, type AttendancePublisher, type RecentScan } from './attendance.ts';
import type { CheckInsRepository, ScanLogRow, ScanSource, TicketState } from './check-ins.repository.ts';
import type { AttendanceForCaller, BatchBody, ScanAnswer, ScanBody } from './check-ins.schemas.ts';

export interface CheckInsServiceDeps {
  repository: CheckInsRepository;
  verifier: TicketVerifier;
  eventAccess: EventAccess;
  signal: OutboxSignal;
  attendance: AttendancePublisher;
  ticketCheckInsTopic: string;
  /** How far ahead of the server's clock an offline gate's clock may be. @defaultValue 300000 (5 min) */
  maxClockAheadMs?: number;
  now?: () => Date;
}

type BatchResult = ScanAnswer & { scan_id: string; replaced?: { gate: string; at: string } };

function ticketInfo(t: VerifiedTicket): NonNullable<ScanAnswer['ticket']> {
  return { ticket_id: t.ticketId, booking_id: t.bookingId, event_id: t.eventId, seat: t.seat };
}

const INVALID_MESSAGES = {
  malformed: 'Not a ticket code. Do not admit.',
  unknown_key: 'This code was not signed by us. Do not admit.',
  bad_signature: 'This code has been altered or forged. Do not admit.',
  unknown_ticket: 'No such ticket. Do not admit.',
} as const;

function invalid(reason: keyof typeof INVALID_MESSAGES, ticket?: VerifiedTicket): ScanAnswer {
  return { result: 'invalid', reason, message: INVALID_MESSAGES[reason], ...(ticket ? { ticket: ticketInfo(ticket) } : {}) };
}

/** The answer for a ticket this scan did not admit, from its committed state. */
function notAdmitted(ticket: VerifiedTicket, state: TicketState | undefined): ScanAnswer {
  if (!state || state.event_id !== ticket.eventId) return invalid('unknown_ticket', ticket);
  if (state.status === 'cancelled') {
    return {
      result: 'cancelled',
      message: `Ticket for seat ${ticket.seat} was cancelled. Do not admit.`,
      ticket: ticketInfo(ticket),
      cancelled_at: state.cancelled_at?.toISOString() ?? null,
    };
  }
  if (state.checked_in_at) {
    return {
      result: 'already_used',
      message: `Already used: seat ${ticket.seat} was admitted at gate ${state.checked_in_gate}. Do not admit.`,
      ticket: ticketInfo(ticket),
      admission: { gate: state.checked_in_gate!, at: state.checked_in_at.toISOString(), source: state.checked_in_source! },
    };
  }
  // Valid and not admitted, yet the conditional update matched nothing: only an id of another event can do that.
  return invalid('unknown_ticket', ticket);
}

function admittedAnswer(ticket: VerifiedTicket, gate: string, at: Date, source: ScanSource): ScanAnswer {
  return {
    result: 'valid',
    message: `Valid: seat ${ticket.seat}. Admit.`,
    ticket: ticketInfo(ticket),
    admission: { gate, at: at.toISOString(), source },
  };
}

/**
 * Check-in at the door (docs/checkin.md): staff of the event's organization scan signed ticket
 * codes. The signature is checked without the database; the admission is one conditional
 * statement on the ticket row (check-ins.repository.ts), so a ticket is let in exactly once.
 */
export function createCheckInsService(deps: CheckInsServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const maxAheadMs = deps.maxClockAheadMs ?? 300_000;

  function message(owner: InternalEventOwner, ticket: VerifiedTicket, gate: string, at: Date, by: string, source: ScanSource): OutboxRow {
    const value: TicketCheckedIn = {
      type: 'ticket.checked_in',
      ticket_id: ticket.ticketId,
      event_id: owner.event_id,
      organization_id: owner.organization_id,
      booking_id: ticket.bookingId,
      seat: ticket.seat,
      gate,
      checked_in_at: at.toISOString(),
      checked_in_by: by,
      source,
      timestamp: now().toISOString(),
    };
    const m = ticketCheckIns.message({ topic: deps.ticketCheckInsTopic, key: owner.event_id, value });
    return { id: randomUUID(), topic: m.topic, key: m.key, value: m.value, headers: m.headers };
  }

  /** The code's claims, or the answer that refuses it before any database work. */
  function check(code: string, eventId: string): { ticket: VerifiedTicket } | { answer: ScanAnswer } {
    const verified = deps.verifier.verify(code.trim());
    if (!verified.ok) return { answer: invalid(verified.reason) };
    const ticket = verified.ticket;
    if (ticket.eventId !== eventId) {
      return { answer: { result: 'wrong_event', message: 'This ticket is for another event. Do not admit.', ticket: ticketInfo(ticket) } };
    }
    return { ticket };
  }

  function announce(eventId: string, answers: readonly { answer: ScanAnswer; gate: string; at: Date }[]): void {
    const recent: RecentScan[] = answers.map(({ answer, gate, at }) => ({
      gate,
      result: answer.result,
      seat: answer.ticket?.seat ?? null,
      at: at.toISOString(),
    }));
    deps.attendance.scanned(eventId, recent);
  }

  function logRow(eventId: string, scanId: string, answer: ScanAnswer, gate: string, at: Date, by: string, source: ScanSource): ScanLogRow {
    // An unknown ticket id is not stored: it names nothing of ours.
    const ticketId = answer.ticket && answer.reason !== 'unknown_ticket' ? answer.ticket.ticket_id : null;
    return { scanId, eventId, ticketId, gate, result: answer.result, source, scannedAt: at, scannedBy: by };
  }

  return {
    /** One scan at a gate, online: admit now or say why not. */
    async scan(user: UserClaims, eventId: string, body: ScanBody, ctx?: CallContext): Promise<ScanAnswer> {
      const owner = await deps.eventAccess.authorize(user, 'checkin.scan', eventId, ctx);
      const at = now();
      const checked = check(body.code, owner.event_id);
      let answer: ScanAnswer;
      if ('answer' in checked) answer = checked.answer;
      else {
        const { ticket } = checked;
        const admitted = await deps.repository.admit(
          { ticketId: ticket.ticketId, eventId: owner.event_id, gate: body.gate, scannedAt: at, scannedBy: user.user_id },
          message(owner, ticket, body.gate, at, user.user_id, 'online'),
        );
        if (admitted) {
          deps.signal.notify();
          answer = admittedAnswer(ticket, body.gate, at, 'online');
        } else {
          answer = notAdmitted(ticket, await deps.repository.findTicket(ticket.ticketId));
        }
      }
      await deps.repository.logScans([logRow(owner.event_id, randomUUID(), answer, body.gate, at, user.user_id, 'online')]);
      announce(owner.event_id, [{ answer, gate: body.gate, at }]);
      return answer;
    },

    /**
     * Scans an offline gate made, uploaded when it is back: each is reconciled in the order it
     * was scanned, and the earliest scan of a ticket is its admission, whichever was recorded
     * first. A re-upload (same scan ids) gets the same answers and is counted once.
     */
    async uploadScans(user: UserClaims, eventId: string, body: BatchBody, ctx?: CallContext): Promise<{ results: BatchResult[] }> {
      const owner = await deps.eventAccess.authorize(user, 'checkin.scan', eventId, ctx);
      const limit = now().getTime() + maxAheadMs;
      const bad: Record<string, string> = {};
      const times = body.scans.map((s, i) => {
        const at = new Date(s.scanned_at);
        if (at.getTime() > limit) bad[`scans.${i}.scanned_at`] = 'must not be in the future (is the gate’s clock right?)';
        return at;
      });
      if (Object.keys(bad).length > 0) throw invalidRequest(bad);

      const order = body.scans.map((_, i) => i).sort((a, b) => times[a]!.getTime() - times[b]!.getTime() || a - b);
      const results = new Array<BatchResult>(body.scans.length);
      const log: ScanLogRow[] = [];
      let admittedAny = false;
      for (const i of order) {
        const scan = body.scans[i]!;
        const at = times[i]!;
        const checked = check(scan.code, owner.event_id);
        let result: BatchResult;
        if ('answer' in checked) result = { scan_id: scan.scan_id, ...checked.answer };
        else {
          const { ticket } = checked;
          const outcome = await deps.repository.admitEarliest(
            { ticketId: ticket.ticketId, eventId: owner.event_id, gate: body.gate, scannedAt: at, scannedBy: user.user_id },
            message(owner, ticket, body.gate, at, user.user_id, 'offline'),
          );
          if (outcome.admitted) {
            admittedAny ||= outcome.previous === undefined;
            result = { scan_id: scan.scan_id, ...admittedAnswer(ticket, body.gate, at, 'offline') };
            if (outcome.previous) result.replaced = { gate: outcome.previous.gate, at: outcome.previous.at.toISOString() };
          } else {
            const state = await deps.repository.findTicket(ticket.ticketId);
            // This very scan is the admission already (an upload retried).
            const same = state?.checked_in_at?.getTime() === at.getTime() && state.checked_in_gate === body.gate;
            result = { scan_id: scan.scan_id, ...(same ? admittedAnswer(ticket, body.gate, at, 'offline') : notAdmitted(ticket, state)) };
          }
        }
        results[i] = result;
        log.push(logRow(owner.event_id, scan.scan_id, result, body.gate, at, user.user_id, 'offline'));
      }
      if (admittedAny) deps.signal.notify();
      await deps.repository.logScans(log);
      announce(
        owner.event_id,
        order.map((i) => ({ answer: results[i]!, gate: body.gate, at: times[i]! })),
      );
      return { results };
    },

    /** The counters, for the gates and for those who read the event's sales (viewers too). */
    async attendance(user: UserClaims, eventId: string, ctx?: CallContext): Promise<AttendanceForCaller> {
      const owner = await deps.eventAccess.authorize(user, 'checkin.read', eventId, ctx);
      const canScan = decideOrganizerAccess(user, 'checkin.scan', owner.organization_id) === 'allowed';
      return { ...(await readAttendance(deps.repository, owner.event_id)), can_scan: canScan };
    },

    /** Authorizes a stream of the event's attendance; returns the event's id. */
    async authorizeStream(user: UserClaims, eventId: string, ctx?: CallContext): Promise<string> {
      return (await deps.eventAccess.authorize(user, 'checkin.read', eventId, ctx)).event_id;
    },

    readAttendance: (eventId: string) => readAttendance(deps.repository, eventId),
  };
}

export type CheckInsService = ReturnType<typeof createCheckInsService>;
