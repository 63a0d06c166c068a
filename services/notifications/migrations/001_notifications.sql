-- One row per email that must go out exactly once: a message id is never processed twice, and a
-- booking gets at most one email of each type, whatever message ids the producers used.
CREATE TABLE deliveries (
  id uuid PRIMARY KEY,
  message_id text NOT NULL,
  booking_id uuid NOT NULL,
  type text NOT NULL CHECK (type IN ('booking_confirmed', 'booking_failed', 'event_reminder')),
  recipient_email text NOT NULL,
  event_name text NOT NULL,
  subject text NOT NULL,
  -- 'sending' is only ever seen inside the transaction that holds the row while the SMTP
  -- conversation runs; a crash rolls it back. 'failed' will be retried, 'dead' was given up.
  status text NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  -- Redelivered or re-sent requests dropped because this email was already sent.
  duplicates integer NOT NULL DEFAULT 0,
  last_error text,
  smtp_message_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  CONSTRAINT deliveries_message_id_key UNIQUE (message_id),
  CONSTRAINT deliveries_booking_type_key UNIQUE (booking_id, type)
);

CREATE INDEX deliveries_recipient_idx ON deliveries (lower(recipient_email), created_at DESC, id);

-- One reminder per confirmed booking, written in the transaction that records the confirmation
-- email; the scheduler picks due rows with FOR UPDATE SKIP LOCKED.
CREATE TABLE reminders (
  booking_id uuid PRIMARY KEY,
  recipient_email text NOT NULL,
  -- The booking_data of the confirmation, enough to render the reminder later.
  payload jsonb NOT NULL,
  event_date timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  next_attempt_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'sent', 'skipped', 'cancelled', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);

CREATE INDEX reminders_due_idx ON reminders (next_attempt_at) WHERE status = 'pending';

-- What was given up on: messages dead-lettered to <topic>.dlq (the topic copy is authoritative)
-- and reminders that could not be sent.
CREATE TABLE dead_letters (
  id uuid PRIMARY KEY,
  source text NOT NULL,
  message_id text NOT NULL,
  booking_id uuid,
  type text,
  partition integer,
  "offset" text,
  raw text NOT NULL,
  error_type text NOT NULL,
  error text NOT NULL,
  occurrences integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT dead_letters_source_message_key UNIQUE (source, message_id)
);
