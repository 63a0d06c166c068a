-- Buyer cancellations and organizer refunds of confirmed bookings (docs/refunds.md).
--
-- A cancellation is decided by one conditional UPDATE of the booking (its seats not cancelled
-- before, the booking still confirmed), which inserts its row here in the same statement: two
-- racing cancellations of one seat cannot both win. The row's refund_key is the gateway's
-- idempotency key, so the money moves at most once per cancellation, whatever is retried.
ALTER TABLE bookings
  ADD COLUMN cancelled_seats text[] NOT NULL DEFAULT '{}',
  -- Given back through cancellations, refunds and the event's cancellation (never above the total).
  ADD COLUMN refunded_cents bigint NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0),
  -- Set by the organizer's refund: a booking is refunded by its organizer once.
  ADD COLUMN organizer_refund_at timestamptz,
  ADD CONSTRAINT bookings_refunded_bound CHECK (refunded_cents <= total_cents);

-- A buyer's cancellation keeps a fee: the booking is `cancelled` with its payment still
-- `captured` (partly refunded) unless everything went back.
ALTER TABLE bookings DROP CONSTRAINT bookings_final_consistent;
ALTER TABLE bookings ADD CONSTRAINT bookings_final_consistent CHECK (
  (status = 'confirmed' AND payment_status IN ('captured', 'refunded') AND confirmed_at IS NOT NULL)
  OR (status = 'failed' AND payment_status IN ('failed', 'refunded') AND failed_at IS NOT NULL)
  OR (status = 'processing' AND payment_status IN ('pending', 'processing', 'captured'))
  OR (status = 'payment_action_required' AND payment_status = 'processing')
  OR (status = 'cancelled' AND payment_status IN ('refunded', 'captured') AND cancelled_at IS NOT NULL)
);

CREATE TABLE booking_cancellations (
  id uuid PRIMARY KEY,
  booking_id uuid NOT NULL REFERENCES bookings (id),
  kind text NOT NULL CHECK (kind IN ('buyer', 'organizer')),
  seats text[] NOT NULL,
  requested_by uuid NOT NULL,
  -- The seats' price, the fee kept (policy percent of it), and the refund asked for.
  seats_cents bigint NOT NULL CHECK (seats_cents >= 0),
  fee_percent numeric(5, 2) NOT NULL DEFAULT 0,
  fee_cents bigint NOT NULL DEFAULT 0 CHECK (fee_cents >= 0),
  refund_cents bigint NOT NULL CHECK (refund_cents >= 0),
  -- What the gateway gave back for this cancellation (0 when another refund, e.g. the event's
  -- cancellation, had already given the money back); null until done.
  refunded_cents bigint CHECK (refunded_cents >= 0),
  refund_key text NOT NULL,
  refund_id text,
  status text NOT NULL DEFAULT 'refunding' CHECK (status IN ('refunding', 'completed')),
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  CONSTRAINT booking_cancellations_refund_key UNIQUE (refund_key)
);

CREATE INDEX booking_cancellations_booking ON booking_cancellations (booking_id, created_at);
-- The resumer's queue: cancellations whose refund or seat release did not finish.
CREATE INDEX booking_cancellations_refunding ON booking_cancellations (created_at) WHERE status = 'refunding';
