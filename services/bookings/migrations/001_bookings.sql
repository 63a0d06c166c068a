-- One booking per hold: the id is derived from the hold id (UUIDv5), and hold_id is unique, so
-- every concurrent submit for one hold targets the same row.
CREATE TABLE bookings (
  id uuid PRIMARY KEY,
  hold_id uuid NOT NULL,
  user_id uuid NOT NULL,
  user_email text NOT NULL,
  user_name text NOT NULL,
  idempotency_key text,
  -- Snapshot of the event and seats taken at submit time, so reads never call the event service.
  event_id uuid NOT NULL,
  event_name text NOT NULL,
  venue text NOT NULL,
  event_date timestamptz NOT NULL,
  seats text[] NOT NULL,
  total_cents bigint NOT NULL CHECK (total_cents >= 0),
  currency text NOT NULL DEFAULT 'USD',
  payment_method text NOT NULL,
  status text NOT NULL DEFAULT 'processing' CHECK (status IN ('processing', 'confirmed', 'failed')),
  payment_status text NOT NULL DEFAULT 'pending'
    CHECK (payment_status IN ('pending', 'processing', 'captured', 'failed', 'refunded')),
  payment_id text,
  error_message text,
  -- Bumped on every change; the SSE event id, so Last-Event-ID can resume.
  version integer NOT NULL DEFAULT 1,
  traceparent text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  confirmed_at timestamptz,
  failed_at timestamptz,
  CONSTRAINT bookings_hold_id_key UNIQUE (hold_id),
  CONSTRAINT bookings_final_consistent CHECK (
    (status = 'confirmed' AND payment_status = 'captured' AND confirmed_at IS NOT NULL)
    OR (status = 'failed' AND payment_status IN ('failed', 'refunded') AND failed_at IS NOT NULL)
    OR (status = 'processing' AND payment_status IN ('pending', 'processing', 'captured'))
  )
);

CREATE UNIQUE INDEX bookings_user_idempotency_key ON bookings (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX bookings_user_created ON bookings (user_id, created_at DESC, id DESC);
CREATE INDEX bookings_processing_updated ON bookings (updated_at) WHERE status = 'processing';

-- Transactional outbox: written in the same transaction as the state it announces, published to
-- Kafka by the relay (the row id is the message_id header). A relay claims a batch with a short
-- lease (claimed_until) instead of holding a transaction open while it talks to Kafka.
CREATE TABLE outbox (
  id uuid PRIMARY KEY,
  topic text NOT NULL,
  key text NOT NULL,
  -- json, not jsonb: the message keeps the field order it was written with.
  value json NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  claimed_until timestamptz,
  published_at timestamptz
);

CREATE INDEX outbox_unpublished ON outbox (topic, created_at) WHERE published_at IS NULL;
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;

-- The simulated payment gateway's own ledger. UNIQUE(idempotency_key) is what makes a charge
-- happen at most once, whatever the caller does; `reference` is the caller's order id (the
-- booking id), so tests can count every charge made for a booking in SQL.
CREATE TABLE gateway_charges (
  payment_id uuid PRIMARY KEY,
  idempotency_key text NOT NULL,
  reference text,
  amount_cents bigint NOT NULL,
  currency text NOT NULL,
  method text NOT NULL,
  status text NOT NULL CHECK (status IN ('captured', 'declined')),
  reason text,
  refund_id uuid,
  refunded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT gateway_charges_idempotency_key UNIQUE (idempotency_key)
);

CREATE INDEX gateway_charges_reference ON gateway_charges (reference);

-- Attempts per idempotency key, so simulated transient failures are deterministic across processes.
CREATE TABLE gateway_attempts (
  idempotency_key text PRIMARY KEY,
  attempts integer NOT NULL
);
