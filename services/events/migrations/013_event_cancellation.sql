-- An event cancelled by its organizer (POST /api/events/{id}/cancel): no hold is taken after it
-- (the hold statements test it with the date), its active holds are released in the same
-- transaction, and an `event-cancellations` message (outbox) makes the bookings worker refund
-- every confirmed booking.
ALTER TABLE events
  ADD COLUMN cancelled_at timestamptz,
  ADD COLUMN cancelled_by uuid,
  ADD COLUMN cancel_reason text;
