-- Seat changes go to Kafka through a transactional outbox, like bookings: the row is written by
-- the statement (or transaction) that changes the seats, and the relay (packages/bus
-- createOutboxRelay) publishes it. The table is the shared convention (OUTBOX_TABLE_SQL).
CREATE TABLE IF NOT EXISTS outbox (
  id uuid PRIMARY KEY,
  topic text NOT NULL,
  key text NOT NULL,
  value json NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  claimed_until timestamptz,
  published_at timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (topic, created_at) WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;

-- hold_seats_batch takes the seat-events topic now (sql/03_holds.sql): the old signature goes.
DROP FUNCTION IF EXISTS hold_seats_batch(uuid[], uuid[], uuid[], integer[], integer[], integer[], integer[]);
