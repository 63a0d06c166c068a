-- The hold rules, one home each. Every query and function that needs one calls it here.
-- LANGUAGE sql, one expression, no STRICT, not SECURITY DEFINER: the planner inlines them, so a
-- query plans exactly as if the expression were written in place (the partial indexes on
-- status IN ('active', 'locked') still match). Times are the database's clock, now().

-- A hold counts (against the per-user limit and the available seats) while it is active or
-- locked and its time has not passed.
CREATE OR REPLACE FUNCTION hold_is_live(p_status text, p_expires_at timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT p_status IN ('active', 'locked') AND p_expires_at > now()
$$;

-- A seat can be taken: available, or held by a hold whose time has passed (its seats are free
-- the same instant, before any sweeper runs).
CREATE OR REPLACE FUNCTION seat_is_free(p_status text, p_hold_expires_at timestamptz) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT p_status = 'available' OR (p_status = 'held' AND p_hold_expires_at <= now())
$$;

-- What a seat reads as on the seat map: a seat held by an expired hold reads available.
CREATE OR REPLACE FUNCTION seat_status_now(p_status text, p_hold_expires_at timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_status = 'booked' THEN 'booked'
              WHEN p_status = 'held' AND p_hold_expires_at > now() THEN 'held'
              ELSE 'available' END
$$;

-- Seats of an event can be held while it is on sale: published (not a draft, not cancelled),
-- after sales_start (if set), and before sales_end and the start of the event, whichever is first.
CREATE OR REPLACE FUNCTION sales_open(p_status text, p_sales_start timestamptz, p_sales_end timestamptz, p_event_date timestamptz)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT p_status = 'published' AND (p_sales_start IS NULL OR p_sales_start <= now()) AND now() < LEAST(p_sales_end, p_event_date)
$$;
