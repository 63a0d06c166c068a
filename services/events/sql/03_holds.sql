-- The functions of the hold path. Applied with CREATE OR REPLACE after the migrations on every
-- start (packages/db runMigrations), so this file, not the migration history, is their source.
-- A change of a signature or of a returned row type needs a migration that drops the old one.

-- Live holds of one user on one event, serialised per (event, user): the advisory lock is held
-- until the caller's transaction ends, and as a VOLATILE function the count runs on a fresh
-- snapshot taken after the lock, so it sees every hold committed by a concurrent request.
CREATE OR REPLACE FUNCTION lock_user_live_holds(p_event uuid, p_user uuid) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  n integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('events.user_holds:' || p_event::text || ':' || p_user::text, 0));
  SELECT count(*) INTO n FROM holds
   WHERE event_id = p_event AND user_id = p_user AND hold_is_live(status, expires_at);
  RETURN n;
END
$$;

-- Group commit in one round trip: decides a batch of hold requests exactly as if each had run
-- the single-request statement alone, in arrival order, and writes the winners.
--
-- Requests (arrival order): p_holds, p_events, p_users, p_max (max live holds of that user).
-- Their seats, sorted by request and then seat number: p_first[i] is the position in
-- p_seat_nos of the first seat of request i, p_count[i] how many it has.
--
-- Lock order is the one of the single statement: the (event, user) advisory locks first (here
-- all of them, sorted), then the seat rows in (event, seat) order, so batches and single
-- requests never deadlock.
CREATE OR REPLACE FUNCTION hold_seats_batch(
  p_holds uuid[], p_events uuid[], p_users uuid[], p_max integer[],
  p_first integer[], p_count integer[], p_seat_nos integer[],
  -- Where the winners' `seats.held` events go (outbox rows written here); NULL writes none.
  p_topic text
)
RETURNS TABLE (req integer, outcome text, live integer, taken text[], hold_id uuid, seat_labels text[], expires_at timestamptz, total_price text)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  n integer := cardinality(p_holds);
  q_keys text[];
  q_live integer[];
  q_won integer[];
  s_keys text[];
  s_labels text[];
  s_free boolean[];
  e_ids uuid[];
  e_open boolean[];
  outcomes text[] := array_fill(NULL::text, ARRAY[n]);
  lives integer[] := array_fill(NULL::integer, ARRAY[n]);
  takens text[] := array_fill(NULL::text, ARRAY[n]);
  w_req integer[] := '{}';
  i integer;
  j integer;
  q integer;
  s integer;
  e integer;
  bad text[];
BEGIN
  -- 1. Per (event, user): the advisory lock, in sorted order; then their live holds, counted on a
  --    snapshot taken after the last lock (this is a new statement of a VOLATILE function).
  PERFORM pg_advisory_xact_lock(hashtextextended('events.user_holds:' || k.e::text || ':' || k.u::text, 0))
     FROM (SELECT DISTINCT t.e, t.u FROM unnest(p_events, p_users) AS t(e, u) ORDER BY t.e, t.u OFFSET 0) AS k;
  SELECT array_agg(k.e::text || ':' || k.u::text),
         array_agg((SELECT count(*)::int FROM holds h
                     WHERE h.event_id = k.e AND h.user_id = k.u AND hold_is_live(h.status, h.expires_at)))
    INTO q_keys, q_live
    FROM (SELECT DISTINCT t.e, t.u FROM unnest(p_events, p_users) AS t(e, u)) AS k;
  q_won := array_fill(0, ARRAY[cardinality(q_keys)]);

  SELECT array_agg(ev.id), array_agg(sales_open(ev.event_date))
    INTO e_ids, e_open
    FROM events ev WHERE ev.id = ANY (p_events);

  -- 2. Every requested seat, locked in (event, seat) order, with whether it is free now.
  SELECT array_agg(z.k ORDER BY z.event_id, z.seat_no), array_agg(z.label ORDER BY z.event_id, z.seat_no),
         array_agg(z.free ORDER BY z.event_id, z.seat_no)
    INTO s_keys, s_labels, s_free
    FROM (
      SELECT st.event_id, st.seat_no, st.event_id::text || ':' || st.seat_no AS k, st.label,
             seat_is_free(st.status, st.hold_expires_at) AS free
        FROM seats st
       WHERE (st.event_id, st.seat_no) IN (
               SELECT p_events[r.i], p_seat_nos[p_first[r.i] + o.off]
                 FROM generate_series(1, n) AS r(i)
                 CROSS JOIN LATERAL generate_series(0, p_count[r.i] - 1) AS o(off))
       ORDER BY st.event_id, st.seat_no
         FOR UPDATE OF st
    ) AS z;

  -- 3. Decide in arrival order; a seat won by an earlier request is taken for the later ones.
  FOR i IN 1..n LOOP
    e := array_position(e_ids, p_events[i]);
    IF e IS NULL THEN
      outcomes[i] := 'event_not_found';
      CONTINUE;
    END IF;
    IF NOT e_open[e] THEN
      outcomes[i] := 'sales_closed';
      CONTINUE;
    END IF;
    q := array_position(q_keys, p_events[i]::text || ':' || p_users[i]::text);
    IF q_live[q] + q_won[q] >= p_max[i] THEN
      outcomes[i] := 'limit_reached';
      lives[i] := q_live[q] + q_won[q];
      CONTINUE;
    END IF;
    bad := '{}';
    FOR j IN p_first[i] .. p_first[i] + p_count[i] - 1 LOOP
      s := array_position(s_keys, p_events[i]::text || ':' || p_seat_nos[j]);
      IF s IS NULL THEN
        bad := bad || p_seat_nos[j]::text;
      ELSIF NOT s_free[s] THEN
        bad := bad || s_labels[s];
      END IF;
    END LOOP;
    IF cardinality(bad) > 0 THEN
      outcomes[i] := 'unavailable';
      takens[i] := array_to_string(bad, ',');
      CONTINUE;
    END IF;
    FOR j IN p_first[i] .. p_first[i] + p_count[i] - 1 LOOP
      s_free[array_position(s_keys, p_events[i]::text || ':' || p_seat_nos[j])] := false;
    END LOOP;
    q_won[q] := q_won[q] + 1;
    outcomes[i] := 'held';
    w_req := w_req || i;
  END LOOP;

  -- 4. The winners' holds and seats, set-based.
  RETURN QUERY
  WITH w AS (
    SELECT r.i, p_holds[r.i] AS hold_id, p_events[r.i] AS event_id, p_users[r.i] AS user_id,
           p_seat_nos[p_first[r.i] : p_first[r.i] + p_count[r.i] - 1] AS seat_nos
      FROM unnest(w_req) AS r(i)
  ), ins AS (
    INSERT INTO holds (id, event_id, user_id, seat_nos, seat_labels, seat_count, total_price, status, expires_at)
    SELECT w.hold_id, w.event_id, w.user_id, w.seat_nos,
           ARRAY(SELECT s_labels[array_position(s_keys, w.event_id::text || ':' || x.n)] FROM unnest(w.seat_nos) WITH ORDINALITY AS x(n, o) ORDER BY x.o),
           cardinality(w.seat_nos), ev.price_per_seat * cardinality(w.seat_nos), 'active',
           now() + make_interval(secs => ev.hold_ttl_seconds)
      FROM w JOIN events ev ON ev.id = w.event_id
    RETURNING holds.id, holds.event_id, holds.user_id, holds.seat_nos, holds.seat_labels, holds.expires_at, holds.total_price
  ), announced AS (
    INSERT INTO outbox (id, topic, key, value, headers)
    SELECT gen_random_uuid(), p_topic, ins.event_id::text, seat_event('seats.held', ins.event_id, ins.id, ins.user_id, NULL, ins.seat_labels),
           seat_event_headers()
      FROM ins WHERE p_topic IS NOT NULL
  ), upd AS (
    UPDATE seats st SET status = 'held', hold_id = ins.id, hold_expires_at = ins.expires_at
      FROM ins CROSS JOIN LATERAL unnest(ins.seat_nos) AS x(n)
     WHERE st.event_id = ins.event_id AND st.seat_no = x.n
    RETURNING st.hold_id
  ), marked AS (
    SELECT upd.hold_id, count(*)::int AS c FROM upd GROUP BY upd.hold_id
  )
  SELECT r.i, outcomes[r.i], lives[r.i],
         CASE WHEN takens[r.i] IS NULL THEN NULL ELSE string_to_array(takens[r.i], ',') END,
         ins.id, ins.seat_labels, ins.expires_at,
         CASE WHEN ins.id IS NULL THEN NULL
              WHEN (SELECT c FROM marked WHERE marked.hold_id = ins.id) = cardinality(ins.seat_nos) THEN ins.total_price::text
              ELSE 'partial' END
    FROM generate_series(1, n) AS r(i)
    LEFT JOIN ins ON ins.id = p_holds[r.i]
   ORDER BY r.i;
END
$$;
