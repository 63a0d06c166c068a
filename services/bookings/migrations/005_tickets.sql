-- Tickets (docs/tickets.md): one per seat of a confirmed booking, written in the statement that
-- confirms the booking. `code` is the signed code shown as a QR code (it verifies offline with
-- the public key; the row says whether the ticket is still valid). UNIQUE (booking_id, seat)
-- makes issuing idempotent: a redelivered confirmation never issues a second ticket for a seat.
CREATE TABLE tickets (
  id uuid PRIMARY KEY,
  booking_id uuid NOT NULL REFERENCES bookings (id),
  event_id uuid NOT NULL,
  seat text NOT NULL,
  code text NOT NULL,
  status text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'cancelled')),
  issued_at timestamptz NOT NULL DEFAULT now(),
  cancelled_at timestamptz,
  CONSTRAINT tickets_booking_seat UNIQUE (booking_id, seat),
  CONSTRAINT tickets_cancelled_consistent CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);

CREATE INDEX tickets_event ON tickets (event_id, status);
