-- Event cancellation (docs/bookings.md, "Event cancellation"): every confirmed booking of a
-- cancelled event is refunded once and becomes `cancelled` (payment `refunded`), with its email
-- written to the outbox in the same statement.
ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check
  CHECK (status IN ('processing', 'payment_action_required', 'confirmed', 'failed', 'cancelled'));
ALTER TABLE bookings ADD COLUMN cancelled_at timestamptz;
ALTER TABLE bookings DROP CONSTRAINT bookings_final_consistent;
ALTER TABLE bookings ADD CONSTRAINT bookings_final_consistent CHECK (
  (status = 'confirmed' AND payment_status IN ('captured', 'refunded') AND confirmed_at IS NOT NULL)
  OR (status = 'failed' AND payment_status IN ('failed', 'refunded') AND failed_at IS NOT NULL)
  OR (status = 'processing' AND payment_status IN ('pending', 'processing', 'captured'))
  OR (status = 'payment_action_required' AND payment_status = 'processing')
  OR (status = 'cancelled' AND payment_status = 'refunded' AND cancelled_at IS NOT NULL)
);
-- The bookings of an event by status (the cancellation's scan, the sales report).
CREATE INDEX bookings_event_status ON bookings (event_id, status);

-- One row per cancelled event: its progress, shown to the organizer. Counters move in the
-- statement that cancels each booking, so they always match the bookings table.
CREATE TABLE event_cancellations (
  event_id uuid PRIMARY KEY,
  owner_id uuid NOT NULL,
  cancelled_by uuid NOT NULL,
  cancelled_at timestamptz NOT NULL,
  reason text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'refunding' CHECK (status IN ('refunding', 'completed')),
  -- Confirmed bookings when the worker took the message up (more may get confirmed while
  -- payments in flight finish: they are refunded too, and counted here).
  bookings_total integer NOT NULL DEFAULT 0,
  bookings_refunded integer NOT NULL DEFAULT 0,
  refunded_cents bigint NOT NULL DEFAULT 0,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);
