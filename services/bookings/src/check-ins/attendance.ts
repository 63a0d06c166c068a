import type { Cache } from '@ticketing/cache';
import type { Logger } from '@ticketing/http';
import type { CheckInsRepository, ScanResult } from './check-ins.repository.ts';
import type { Attendance } from './check-ins.schemas.ts';

/** The pub/sub channel of an event's attendance: every API process's streams of that event listen on it. */
export const attendanceChannel = (eventId: string) => `bookings:check-ins:${eventId}`;

/** One scan as the box office's activity list shows it. */
export interface RecentScan {
  gate: string;
  result: ScanResult;
  seat: string | null;
  at: string;
}

export type AttendanceMessage = Attendance & { recent: RecentScan[] };

/** Most scans one message lists; the counters always cover all of them. */
const RECENT_MAX = 20;

export async function readAttendance(repository: CheckInsRepository, eventId: string): Promise<Attendance> {
  const c = await repository.counters(eventId);
  return { event_id: eventId, admitted: c.admitted, tickets_sold: c.ticketsSold, gates: c.gates, as_of: c.asOf };
}

/**
 * Announces scans to the event's attendance streams. Scans of one event within `delayMs` are
 * announced together, with counters read once from the database after them: at a gate rush that
 * is a few counter queries a second per process instead of one per scan, and every message
 * carries the whole truth (a lost message is repaired by the next one).
 */
export function createAttendancePublisher(opts: { cache: Cache; repository: CheckInsRepository; logger: Logger; delayMs: number }) {
  const pending = new Map<string, RecentScan[]>();
  let lastWarn = 0;

  async function flush(eventId: string): Promise<void> {
    const recent = pending.get(eventId) ?? [];
    pending.delete(eventId);
    try {
      const message: AttendanceMessage = { ...(await readAttendance(opts.repository, eventId)), recent };
      await opts.cache.publish(attendanceChannel(eventId), JSON.stringify(message));
    } catch (err) {
      if (Date.now() - lastWarn > 10_000) {
        lastWarn = Date.now();
        opts.logger.warn({ err, eventId }, 'attendance publish failed (streams catch up with the next scan)');
      }
    }
  }

  return {
    /** Never throws: the scan is committed whatever happens to its announcement. */
    scanned(eventId: string, scans: readonly RecentScan[]): void {
      let list = pending.get(eventId);
      if (!list) {
        pending.set(eventId, (list = []));
        setTimeout(() => void flush(eventId), opts.delayMs).unref();
      }
      list.push(...scans);
      if (list.length > RECENT_MAX) list.splice(0, list.length - RECENT_MAX);
    },
  };
}

export type AttendancePublisher = ReturnType<typeof createAttendancePublisher>;
