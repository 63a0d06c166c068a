import { Type, type Static } from '@sinclair/typebox';
import { errorResponses, IdParam, sseResponse } from '@ticketing/http';

const Timestamp = Type.String({ format: 'date-time' });
const security = [{ bearerAuth: [] }];
const params = Type.Object({ id: IdParam });

/** A gate's name as staff type it: printable, no leading or trailing blank. */
export const Gate = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[^\\x00-\\x20\\x7f](?:[^\\x00-\\x1f\\x7f]*[^\\x00-\\x20\\x7f])?$',
  description: 'The gate (door, scanner) that scanned: 1–64 printable characters, e.g. "North"',
  examples: ['North'],
});

/** Whatever the scanner read; anything that is not a ticket code is answered `invalid`, not refused. */
const Code = Type.String({ minLength: 1, maxLength: 4096, description: 'The text of the QR code as scanned' });

export const ScanResult = Type.Union(
  [Type.Literal('valid'), Type.Literal('already_used'), Type.Literal('invalid'), Type.Literal('wrong_event'), Type.Literal('cancelled')],
  {
    description:
      '`valid`: admit (the ticket is now checked in); `already_used`: it was admitted before (see `admission`); `invalid`: not a ticket code of ours (see `reason`); `wrong_event`: a ticket of another event; `cancelled`: the ticket was cancelled or refunded',
  },
);

const InvalidReason = Type.Union(
  [Type.Literal('malformed'), Type.Literal('unknown_key'), Type.Literal('bad_signature'), Type.Literal('unknown_ticket')],
  {
    description:
      '`malformed`: not a ticket code; `unknown_key`: signed with a key this platform does not hold; `bad_signature`: altered or forged; `unknown_ticket`: correctly signed but no such ticket',
  },
);

const TicketInfo = Type.Object(
  {
    ticket_id: Type.String({ format: 'uuid' }),
    booking_id: Type.String({ format: 'uuid' }),
    event_id: Type.String({ format: 'uuid' }),
    seat: Type.String(),
  },
  { description: 'What the signed code says (present whenever the signature verified)' },
);

const AdmissionInfo = Type.Object(
  {
    gate: Type.String(),
    at: Type.String({ format: 'date-time', description: 'When that gate scanned the ticket' }),
    source: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
  },
  { description: '`valid`: this admission; `already_used`: the earlier one, which counts' },
);

export const ScanAnswer = Type.Object({
  result: ScanResult,
  message: Type.String({ description: 'A sentence for the person at the gate' }),
  reason: Type.Optional(InvalidReason),
  ticket: Type.Optional(TicketInfo),
  admission: Type.Optional(AdmissionInfo),
  cancelled_at: Type.Optional(Type.Union([Timestamp, Type.Null()])),
});
export type ScanAnswer = Static<typeof ScanAnswer>;

export const ScanBody = Type.Object({ code: Code, gate: Gate });
export type ScanBody = Static<typeof ScanBody>;

export const BatchScan = Type.Object({
  scan_id: Type.String({
    format: 'uuid',
    description: 'The gate’s id of this scan: a re-uploaded scan is recognised by it and counted once',
  }),
  code: Code,
  scanned_at: Type.String({ format: 'date-time', description: 'When the gate scanned it, by the gate’s clock (not in the future)' }),
});
export const BatchBody = Type.Object({
  gate: Gate,
  scans: Type.Array(BatchScan, { minItems: 1, maxItems: 500 }),
});
export type BatchBody = Static<typeof BatchBody>;

export const BatchAnswer = Type.Object({
  results: Type.Array(
    Type.Composite([
      Type.Object({ scan_id: Type.String({ format: 'uuid' }) }),
      ScanAnswer,
      Type.Object({
        replaced: Type.Optional(
          Type.Object(
            { gate: Type.String(), at: Timestamp },
            { description: 'This earlier scan took the admission over from a later one (which is now a duplicate entry)' },
          ),
        ),
      }),
    ]),
    { description: 'One answer per scan, in the order sent' },
  ),
});

export const GateCounts = Type.Object({
  gate: Type.String(),
  admitted: Type.Integer({ description: 'Tickets whose admission is at this gate' }),
  scans: Type.Integer({ description: 'Scans answered at this gate, refused ones included' }),
  refused: Type.Integer({ description: 'Scans answered with anything but `valid`' }),
});

export const Attendance = Type.Object({
  event_id: Type.String({ format: 'uuid' }),
  admitted: Type.Integer({ description: 'Tickets checked in' }),
  tickets_sold: Type.Integer({ description: 'Valid tickets (sold and not cancelled)' }),
  gates: Type.Array(GateCounts),
  as_of: Type.String({ description: 'Version of these counters (microseconds since 1970, as text): a newer one replaces an older one' }),
});
export type Attendance = Static<typeof Attendance>;

export const scanSchema = {
  tags: ['check-in'],
  summary: 'Scan a ticket at a gate: admit it once, or say why not (staff of the event’s organization)',
  description:
    'Always 200 with a `result` for a well-formed request: the scan was made and this is its verdict. A ticket is admitted exactly once, however many gates scan it at the same moment; the others answer `already_used` with the gate and time of the admission.',
  security,
  params,
  body: ScanBody,
  response: { 200: ScanAnswer, ...errorResponses(400, 401, 403, 404) },
};

export const batchSchema = {
  tags: ['check-in'],
  summary: 'Upload the scans an offline gate made: reconciled by the earliest scan (docs/checkin.md)',
  security,
  params,
  body: BatchBody,
  response: { 200: BatchAnswer, ...errorResponses(400, 401, 403, 404) },
};

// Only the read answers it: the stream's messages are shared by every caller of the event.
export const AttendanceForCaller = Type.Composite([
  Attendance,
  Type.Object({
    can_scan: Type.Boolean({ description: 'Whether the caller may scan this event’s tickets (`checkin.scan`): viewers read only' }),
  }),
]);
export type AttendanceForCaller = Static<typeof AttendanceForCaller>;

export const attendanceSchema = {
  tags: ['check-in'],
  summary: 'Admitted tickets per gate and live attendance (admitted / tickets sold; `checkin.read`: owner, manager, staff, viewer)',
  security,
  params,
  response: { 200: AttendanceForCaller, ...errorResponses(401, 403, 404) },
};

export const attendanceStreamSchema = {
  tags: ['check-in'],
  summary: 'Server-sent events: the attendance counters on connect and after every scan (`checkin.read`)',
  description:
    'Events `attendance` (the counters, as GET /api/events/{id}/check-ins, plus `recent`: the scans since the last event). Browsers may pass the token as `?access_token=`.',
  security,
  params,
  querystring: Type.Object({ access_token: Type.Optional(Type.String({ maxLength: 4096 })) }),
  response: { 200: sseResponse('Events `attendance`'), ...errorResponses(401, 403, 404) },
};
