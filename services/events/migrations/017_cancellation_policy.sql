-- The buyer's cancellation policy of an event (docs/refunds.md), set by its organizer: buyers may
-- cancel seats until `cancellation_hours` before the start, and keep the price minus
-- `cancellation_fee_percent`. NULL hours: buyers cannot cancel (the default; the organizer opts in).
ALTER TABLE events
  ADD COLUMN cancellation_hours integer CHECK (cancellation_hours BETWEEN 0 AND 8760),
  ADD COLUMN cancellation_fee_percent numeric(5, 2) NOT NULL DEFAULT 0
    CHECK (cancellation_fee_percent >= 0 AND cancellation_fee_percent <= 100);
