-- The waiting room of an on-sale (issue 15): switched on per event by its organizer. The queue
-- itself lives in Redis (or in memory, embedded); this row says when it opens and how fast it admits.
CREATE TABLE waiting_rooms (
  event_id uuid PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
  enabled boolean NOT NULL,
  opens_at timestamptz NOT NULL,
  admit_per_minute integer NOT NULL CHECK (admit_per_minute BETWEEN 1 AND 1000000),
  token_ttl_seconds integer NOT NULL CHECK (token_ttl_seconds BETWEEN 30 AND 3600),
  grace_seconds integer NOT NULL CHECK (grace_seconds BETWEEN 0 AND 86400),
  updated_by uuid NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX waiting_rooms_enabled ON waiting_rooms (opens_at) WHERE enabled;
