// The invariants the fault matrix checks in SQL after each fault, on the private database (the
// services share one database, one schema each).
import type pg from 'pg';

export interface Violation {
  invariant: string;
  rows: unknown[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until none of `ids` is still processing, or the deadline; returns those still processing. */
export async function waitFinal(db: pg.Client, ids: string[], deadline: number): Promise<string[]> {
  for (;;) {
    const { rows } = await db.query<{ id: string }>(
      `SELECT id FROM bookings.bookings WHERE id = ANY($1::uuid[]) AND status = 'processing'`,
      [ids],
    );
    if (rows.length === 0 || Date.now() > deadline) return rows.map((r) => r.id);
    await sleep(500);
  }
}

/**
 * Checks every invariant for the bookings the clients saw accepted (`ids`, answered 202) and, for
 * the global ones, for every booking of `eventIds`. Returns the violations (empty when all hold).
 */
export async function checkInvariants(db: pg.Client, ids: string[], eventIds: string[]): Promise<Violation[]> {
  const checks: [string, string, unknown[]][] = [
    [
      'lost: accepted (202) but not in the database',
      `SELECT a.id FROM unnest($1::uuid[]) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM bookings.bookings b WHERE b.id = a.id) LIMIT 20`,
      [ids],
    ],
    [
      'stuck: accepted but still processing',
      `SELECT id, payment_status, updated_at FROM bookings.bookings WHERE id = ANY($1::uuid[]) AND status = 'processing' LIMIT 20`,
      [ids],
    ],
    [
      'double charge: more than one captured charge for a booking',
      `SELECT reference, count(*)::int AS charges FROM bookings.gateway_charges WHERE status = 'captured'
        GROUP BY reference HAVING count(*) > 1 LIMIT 20`,
      [],
    ],
    [
      'charged without seats: failed booking whose captured charge was not refunded',
      `SELECT b.id, b.error_message FROM bookings.bookings b
         JOIN bookings.gateway_charges g ON g.reference = b.id::text AND g.status = 'captured'
        WHERE b.event_id = ANY($1::uuid[]) AND b.status = 'failed' AND g.refunded_at IS NULL LIMIT 20`,
      [eventIds],
    ],
    [
      'confirmed without a captured charge',
      `SELECT b.id FROM bookings.bookings b
        WHERE b.event_id = ANY($1::uuid[]) AND b.status = 'confirmed'
          AND NOT EXISTS (SELECT 1 FROM bookings.gateway_charges g
                           WHERE g.reference = b.id::text AND g.status = 'captured' AND g.refunded_at IS NULL) LIMIT 20`,
      [eventIds],
    ],
    [
      'double-sold seat: one seat in two confirmed bookings',
      `SELECT b.event_id, seat, count(*)::int AS bookings FROM bookings.bookings b, unnest(b.seats) AS seat
        WHERE b.event_id = ANY($1::uuid[]) AND b.status = 'confirmed'
        GROUP BY b.event_id, seat HAVING count(*) > 1 LIMIT 20`,
      [eventIds],
    ],
    [
      'confirmed booking whose seats are not booked for it in the event service',
      `SELECT b.id, seat, s.status, s.hold_id FROM bookings.bookings b
         CROSS JOIN unnest(b.seats) AS seat
         LEFT JOIN events.seats s ON s.event_id = b.event_id AND s.label = seat
        WHERE b.event_id = ANY($1::uuid[]) AND b.status = 'confirmed'
          AND (s.status IS DISTINCT FROM 'booked' OR s.hold_id IS DISTINCT FROM b.hold_id) LIMIT 20`,
      [eventIds],
    ],
    // The load offers each seat once, so nobody else ever wants a refunded buyer's seats: a
    // refund of a captured payment is only right when another hold took a seat of the booking.
    [
      'paid customer refunded while their seats were still theirs',
      `SELECT b.id, b.error_message, b.updated_at FROM bookings.bookings b
        WHERE b.event_id = ANY($1::uuid[]) AND b.payment_status = 'refunded'
          AND NOT EXISTS (SELECT 1 FROM unnest(b.seats) AS seat
                            JOIN events.seats s ON s.event_id = b.event_id AND s.label = seat
                           WHERE s.hold_id IS DISTINCT FROM b.hold_id
                             AND (s.status = 'booked' OR (s.status = 'held' AND s.hold_expires_at > now()))) LIMIT 20`,
      [eventIds],
    ],
  ];
  const violations: Violation[] = [];
  for (const [invariant, sql, params] of checks) {
    const { rows } = await db.query(sql, params);
    if (rows.length > 0) violations.push({ invariant, rows });
  }
  return violations;
}
