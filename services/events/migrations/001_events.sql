CREATE TABLE events (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  venue text NOT NULL,
  city text NOT NULL,
  category text NOT NULL,
  event_date timestamptz NOT NULL,
  total_seats integer NOT NULL CHECK (total_seats BETWEEN 1 AND 100000),
  seats_per_row integer NOT NULL CHECK (seats_per_row BETWEEN 1 AND 1000),
  price_per_seat numeric(12, 2) NOT NULL CHECK (price_per_seat > 0),
  hold_ttl_seconds integer NOT NULL CHECK (hold_ttl_seconds > 0),
  -- Seats booked for good; changed only by a confirm, so it is never a hot row during an on-sale.
  booked_seats integer NOT NULL DEFAULT 0 CHECK (booked_seats >= 0),
  created_by uuid NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX events_date_id_idx ON events (event_date, id);

-- seat_no is the 1-based position in the event (row-major); the label (A1, AA12) is derived
-- from it and seats_per_row. No column that a hold changes is indexed, so holds are HOT updates.
CREATE TABLE seats (
  event_id uuid NOT NULL REFERENCES events (id),
  seat_no integer NOT NULL,
  label text NOT NULL,
  status text NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'held', 'booked')),
  hold_id uuid,
  -- Copy of the hold's expires_at: a held seat whose hold expired is free without a join.
  hold_expires_at timestamptz,
  PRIMARY KEY (event_id, seat_no)
) WITH (fillfactor = 85);

-- No foreign key to events: its check would take a KEY SHARE lock on the event row in every
-- hold, and thousands of concurrent holds on one event would contend on that row. The hold
-- statement itself reads the event, and events are never deleted.
CREATE TABLE holds (
  id uuid PRIMARY KEY,
  event_id uuid NOT NULL,
  user_id uuid NOT NULL,
  seat_nos integer[] NOT NULL,
  seat_labels text[] NOT NULL,
  seat_count integer NOT NULL,
  total_price numeric(16, 2) NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'locked', 'confirmed', 'released', 'expired')),
  expires_at timestamptz NOT NULL,
  booking_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Live holds of an event (available-seat counts) and of a user on an event (the per-user limit).
CREATE INDEX holds_live_event_idx ON holds (event_id, expires_at) INCLUDE (seat_count) WHERE status IN ('active', 'locked');
CREATE INDEX holds_live_user_idx ON holds (event_id, user_id) WHERE status IN ('active', 'locked');
-- The sweeper's queue.
CREATE INDEX holds_due_idx ON holds (expires_at) WHERE status IN ('active', 'locked');

-- Excel-style row letters for a 0-based row index: 0 → A, 25 → Z, 26 → AA, 701 → ZZ, 702 → AAA.
CREATE FUNCTION seat_row_label(row_index integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  WITH RECURSIVE r(n, s) AS (
    SELECT row_index + 1, ''::text
    UNION ALL
    SELECT (n - 1) / 26, chr(65 + (n - 1) % 26) || s FROM r WHERE n > 0
  )
  SELECT s FROM r WHERE n = 0
$$;

-- Live holds of one user on one event, serialised per (event, user): the advisory lock is held
-- until the caller's transaction ends, and as a VOLATILE function the count runs on a fresh
-- snapshot taken after the lock, so it sees every hold committed by a concurrent request.
CREATE FUNCTION lock_user_live_holds(p_event uuid, p_user uuid) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  n integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('events.user_holds:' || p_event::text || ':' || p_user::text, 0));
  SELECT count(*) INTO n FROM holds
   WHERE event_id = p_event AND user_id = p_user AND status IN ('active', 'locked') AND expires_at > now();
  RETURN n;
END
$$;
