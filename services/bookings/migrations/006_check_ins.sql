-- Check-in at the door (docs/checkin.md). The admission lives on the ticket row itself, so that
-- admitting a ticket ("only if valid and not yet admitted") and cancelling it ("only if not yet
-- admitted") are conditional updates of the same row: the row lock orders them, and whichever
-- commits first wins. (A separate admissions table would not do: a cancellation's NOT EXISTS
-- cannot see an admission committed after its snapshot.)
ALTER TABLE tickets
  -- When the gate scanned it: the server's clock online, the gate's clock for an offline scan.
  ADD COLUMN checked_in_at timestamptz,
  ADD COLUMN checked_in_gate text,
  ADD COLUMN checked_in_by uuid,
  ADD COLUMN checked_in_source text CHECK (checked_in_source IN ('online', 'offline')),
  -- When the service recorded it (differs from checked_in_at for offline scans).
  ADD COLUMN checked_in_recorded_at timestamptz,
  ADD CONSTRAINT tickets_check_in_complete CHECK (
    (checked_in_at IS NULL AND checked_in_gate IS NULL AND checked_in_by IS NULL AND checked_in_source IS NULL
      AND checked_in_recorded_at IS NULL)
    OR (checked_in_at IS NOT NULL AND checked_in_gate IS NOT NULL AND checked_in_by IS NOT NULL AND checked_in_source IS NOT NULL
      AND checked_in_recorded_at IS NOT NULL)
  ),
  -- The invariant of the agreement: a ticket that was let in is never cancelled.
  ADD CONSTRAINT tickets_checked_in_stays_valid CHECK (checked_in_at IS NULL OR status = 'valid');

-- Admissions per gate of an event (the box office's counters).
CREATE INDEX tickets_event_checked_in ON tickets (event_id, checked_in_gate) WHERE checked_in_at IS NOT NULL;

-- Every answer a gate got, admitted or refused: the per-gate scan counters, and what an offline
-- gate's re-upload is recognised by (scan_id is the gate's id of the scan).
CREATE TABLE check_in_scans (
  scan_id uuid PRIMARY KEY,
  event_id uuid NOT NULL,
  -- NULL when the code was not a ticket of ours.
  ticket_id uuid,
  gate text NOT NULL,
  result text NOT NULL CHECK (result IN ('valid', 'already_used', 'invalid', 'wrong_event', 'cancelled')),
  source text NOT NULL CHECK (source IN ('online', 'offline')),
  scanned_at timestamptz NOT NULL,
  scanned_by uuid NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX check_in_scans_event_gate ON check_in_scans (event_id, gate, result);
CREATE INDEX check_in_scans_ticket ON check_in_scans (ticket_id) WHERE ticket_id IS NOT NULL;
