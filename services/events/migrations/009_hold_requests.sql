-- Idempotency-Key on hold requests: the key a buyer sent with the request that made the hold,
-- and a fingerprint of that request's body (the same key with another body is refused). One
-- hold per (user, key); the index is also the lookup of a retry.
ALTER TABLE holds ADD COLUMN idempotency_key text, ADD COLUMN request_hash text;
CREATE UNIQUE INDEX holds_idempotency_idx ON holds (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- Booked seats are counted from the confirmed holds (index-only), not kept in a counter on the
-- event row: that row was written by every confirmation of the event, so one event's
-- confirmations queued on it.
CREATE INDEX holds_confirmed_idx ON holds (event_id) INCLUDE (seat_count) WHERE status = 'confirmed';
ALTER TABLE events DROP COLUMN booked_seats;

-- hold_seats_batch takes best-available quantities and idempotency keys now (sql/03_holds.sql).
DROP FUNCTION IF EXISTS hold_seats_batch(uuid[], uuid[], uuid[], integer[], integer[], integer[], integer[], text);
