-- The functions of the hold path. Applied with CREATE OR REPLACE after the migrations on every
-- start (packages/db runMigrations), so this file, not the migration history, is their source.
-- A change of a signature or of a returned row type needs a migration that drops the old one.

-- Live holds of one user on one event, serialised per (event, user): the advisory lock is held
-- until the caller's transaction ends, and as a VOLATILE function the count runs on a fresh
-- snapshot taken after the lock, so it sees every hold committed by a concurrent request.
--
-- Every count of live holds reads the holds of the (event, user) or event first, behind a fence
-- (OFFSET 0), and only then tests `expires_at > now()`. The sweeper's index (holds_due_idx, on
-- expires_at) requires a test on expires_at (migration 011), so it cannot serve the fenced
-- query and holds_live_idx is its only index. Before, the planner took holds_due_idx whenever
-- the statistics said few live holds exist (on a full database, where ANALYZE sees old holds
-- only) and read every live hold of every event: 36,000–50,000 buffers, 40–300 ms, for each
-- hold request (docs/hold-plans.md).
CREATE OR REPLACE FUNCTION lock_user_live_holds(p_event uuid, p_user uuid) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  n integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('events.user_holds:' || p_event::text || ':' || p_user::text, 0));
  SELECT count(*) INTO n
    FROM (SELECT status, expires_at FROM holds
           WHERE event_id = p_event AND user_id = p_user AND status IN ('active', 'locked') OFFSET 0) AS h
   WHERE hold_is_live(h.status, h.expires_at);
  RETURN n;
END
$$;

-- Best available: the first seat of `p_q` adjacent free seats among seat numbers p_from..p_to
-- (rows of p_per_row seats from p_from, the best row first), or NULL. Free seats are read in seat
-- order (the primary key, so the scan stops as soon as enough runs of free seats are found), from
-- `p_scan_from`: where the caller knows the free seats start (hold_seats_batch finds the first
-- free seat once per section and batch, from where the last batch found it), so that an on-sale
-- that has sold its best rows does not read them again for every pick. A run is a stretch of free
-- seats in one row. Among the first 16 runs that fit (16 rows of an unsold hall: every run read
-- is a row of seats read, so this bounds the cost of a pick; it was 64, 6,400 seats a pick in a
-- hall of 100-seat rows), the placement chosen leaves no single seat
-- stranded where it can (a leftover of exactly one seat at either side counts), then is in the
-- best (lowest) row, then nearest the middle of the row. `p_not` are seats this transaction gave
-- away already and has not written yet. Nothing is locked here: the caller locks the pick (SKIP
-- LOCKED) and tries again without the seats it could not get.
CREATE OR REPLACE FUNCTION best_available_seats(p_event uuid, p_per_row integer, p_from integer, p_to integer, p_q integer, p_not integer[],
                                                p_scan_from integer)
RETURNS integer LANGUAGE sql STABLE AS $$
  WITH free AS (
    SELECT s.seat_no, (s.seat_no - p_from) / p_per_row AS r
      FROM seats s
     WHERE s.event_id = p_event AND s.seat_no BETWEEN greatest(p_from, p_scan_from) AND p_to
       AND seat_is_free(s.status, s.hold_expires_at) AND s.seat_no <> ALL (p_not)
     ORDER BY s.seat_no
  ), edges AS (
    SELECT seat_no, r,
           lag(seat_no) OVER w IS DISTINCT FROM seat_no - 1 OR lag(r) OVER w <> r AS starts,
           lead(seat_no) OVER w IS DISTINCT FROM seat_no + 1 OR lead(r) OVER w <> r AS ends
      FROM free WINDOW w AS (ORDER BY seat_no)
  ), runs AS (
    SELECT seat_no AS run_from, r, starts,
           CASE WHEN ends THEN seat_no ELSE lead(seat_no) OVER (ORDER BY seat_no) END AS run_to
      FROM edges WHERE starts OR ends
  ), fits AS (
    SELECT run_from, run_to, r FROM runs WHERE starts AND run_to - run_from + 1 >= p_q LIMIT 16
  )
  SELECT c.s
    FROM fits
   CROSS JOIN LATERAL (
     SELECT round(p_from + fits.r * p_per_row + (p_per_row - 1) / 2.0 - (p_q - 1) / 2.0)::int AS mid
   ) m
   CROSS JOIN LATERAL (VALUES (fits.run_from), (fits.run_to - p_q + 1),
                              (greatest(fits.run_from, least(fits.run_to - p_q + 1, m.mid))),
                              (greatest(fits.run_from, least(fits.run_to - p_q + 1, m.mid - 1))),
                              (greatest(fits.run_from, least(fits.run_to - p_q + 1, m.mid + 1)))) AS c(s)
   ORDER BY (c.s - fits.run_from = 1)::int + (fits.run_to - (c.s + p_q - 1) = 1)::int, fits.r, abs(c.s - m.mid), c.s
   LIMIT 1
$$;

-- The same, reading from the section's first seat (the waiting list's offers).
CREATE OR REPLACE FUNCTION best_available_seats(p_event uuid, p_per_row integer, p_from integer, p_to integer, p_q integer, p_not integer[])
RETURNS integer LANGUAGE sql STABLE AS $$
  SELECT best_available_seats(p_event, p_per_row, p_from, p_to, p_q, p_not, p_from)
$$;

-- Group commit in one round trip: decides a batch of hold requests exactly as if each had run
-- alone, in arrival order, and writes the winners.
--
-- Requests (arrival order): p_holds, p_events, p_users, p_max (max live holds of that user).
-- Named seats, sorted by request and then seat number: p_first[i] is the position in
-- p_seat_nos of the first seat of request i, p_count[i] how many it has (0 for best available).
-- Best available: p_quantity[i] adjacent seats picked among seat numbers p_from[i]..p_to[i], in
-- rows of p_per_row[i] seats (a section, or the whole event; NULL quantity: the request names
-- its seats).
-- Idempotency: p_keys[i] (NULL: none) and p_hashes[i], a fingerprint of the request's body. A
-- key whose hold exists answers that hold (same body) or key_mismatch (another body); a key in
-- use by a request still being decided (another transaction, or earlier in this batch) answers
-- key_in_use. Only a request that won a hold stores its key.
--
-- Lock order is the one of the single statement: the (event, user) advisory locks first (here
-- all of them, sorted), then the named seat rows in (event, seat) order, so batches and single
-- requests never deadlock. Everything locked later never waits: key locks are tried
-- (pg_try_advisory_xact_lock), best-available seats are locked with SKIP LOCKED.
CREATE OR REPLACE FUNCTION hold_seats_batch(
  p_holds uuid[], p_events uuid[], p_users uuid[], p_max integer[],
  p_first integer[], p_count integer[], p_seat_nos integer[],
  p_quantity integer[], p_from integer[], p_to integer[], p_per_row integer[],
  -- Best available: where the caller knows the free seats of the section start (NULL: its first seat).
  p_scan_from integer[],
  p_keys text[], p_hashes text[],
  -- Where the winners' `seats.held` events go (outbox rows written here); NULL writes none.
  p_topic text
)
RETURNS TABLE (req integer, outcome text, live integer, taken text[], hold_id uuid, seat_labels text[], expires_at timestamptz, total_price text,
               scan_from integer)
-- Generic plans: every statement below reads by primary key or a fenced index range, whatever
-- its arguments, so a plan made once per connection serves every batch. With the default, each
-- batch planned its statements again for its own argument values (custom plans): 15 % of the
-- database's CPU per batch, and a plan that could follow the statistics of the moment.
SET plan_cache_mode = force_generic_plan
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  n integer := cardinality(p_holds);
  q_keys text[];
  q_live integer[];
  q_won integer[];
  s_events uuid[];
  s_keys text[];
  s_labels text[];
  s_free boolean[];
  e_ids uuid[];
  e_open boolean[];
  outcomes text[] := array_fill(NULL::text, ARRAY[n]);
  lives integer[] := array_fill(NULL::integer, ARRAY[n]);
  takens text[] := array_fill(NULL::text, ARRAY[n]);
  -- The seats each request gets (named or picked): a slice of w_nos.
  w_first integer[] := array_fill(NULL::integer, ARRAY[n]);
  w_count integer[] := array_fill(0, ARRAY[n]);
  w_nos integer[] := '{}';
  w_req integer[] := '{}';
  -- Named seats given away by this batch (best available must not pick them; the seats it picks
  -- itself are written at once, so later picks read them as taken).
  g_events uuid[] := '{}';
  g_nos integer[] := '{}';
  -- Best available: the first free seat of each section (event:from:to) when the batch first
  -- looked, from the caller's p_scan_from; returned as scan_from (past p_to: none was free).
  sc_keys text[] := '{}';
  sc_start integer[] := '{}';
  sc integer;
  r_scan integer[] := array_fill(NULL::integer, ARRAY[n]);
  -- Replayed holds (idempotency).
  r_hold uuid[] := array_fill(NULL::uuid, ARRAY[n]);
  r_labels text[] := array_fill(NULL::text, ARRAY[n]);
  r_expires timestamptz[] := array_fill(NULL::timestamptz, ARRAY[n]);
  r_price text[] := array_fill(NULL::text, ARRAY[n]);
  seen_keys text[] := '{}';
  prev record;
  pick integer;
  got integer[];
  skipped integer[];
  attempt integer;
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
         array_agg((SELECT count(*)::int
                      FROM (SELECT h.status, h.expires_at FROM holds h
                             WHERE h.event_id = k.e AND h.user_id = k.u AND h.status IN ('active', 'locked') OFFSET 0) AS l
                     WHERE hold_is_live(l.status, l.expires_at)))
    INTO q_keys, q_live
    FROM (SELECT DISTINCT t.e, t.u FROM unnest(p_events, p_users) AS t(e, u)) AS k;
  q_won := array_fill(0, ARRAY[cardinality(q_keys)]);

  -- A draft does not exist for buyers (event_not_found).
  SELECT array_agg(ev.id), array_agg(sales_open(ev.status, ev.sales_start, ev.sales_end, ev.event_date) AND ev.cancelled_at IS NULL)
    INTO e_ids, e_open
    FROM events ev WHERE ev.id = ANY (p_events) AND ev.status <> 'draft';

  -- 2. Every named seat, locked in (event, seat) order, with whether it is free now. The
  --    (event, seat) pairs are spelled out first, so the join probes the primary key once per
  --    seat whatever the size of the table (a row-valued IN over generate_series was planned
  --    as a scan of the event's whole index range).
  s_events := ARRAY(SELECT p_events[r.i] FROM generate_series(1, n) AS r(i) CROSS JOIN LATERAL generate_series(1, p_count[r.i]));
  SELECT array_agg(z.k ORDER BY z.event_id, z.seat_no), array_agg(z.label ORDER BY z.event_id, z.seat_no),
         array_agg(z.free ORDER BY z.event_id, z.seat_no)
    INTO s_keys, s_labels, s_free
    FROM (
      SELECT st.event_id, st.seat_no, st.event_id::text || ':' || st.seat_no AS k, st.label,
             seat_is_free(st.status, st.hold_expires_at) AS free
        FROM (SELECT DISTINCT w.e, w.n FROM unnest(s_events, p_seat_nos) AS w(e, n)) AS want
        JOIN seats st ON st.event_id = want.e AND st.seat_no = want.n
       ORDER BY st.event_id, st.seat_no
         FOR UPDATE OF st
    ) AS z;

  -- 3. Decide in arrival order; a seat won by an earlier request is taken for the later ones.
  FOR i IN 1..n LOOP
    IF p_keys[i] IS NOT NULL THEN
      IF p_users[i]::text || ':' || p_keys[i] = ANY (seen_keys)
         OR NOT pg_try_advisory_xact_lock(hashtextextended('events.hold_key:' || p_users[i]::text || ':' || p_keys[i], 0)) THEN
        outcomes[i] := 'key_in_use';
        CONTINUE;
      END IF;
      seen_keys := seen_keys || (p_users[i]::text || ':' || p_keys[i]);
      SELECT h.id, h.request_hash, h.seat_labels, h.expires_at, h.total_price INTO prev
        FROM holds h WHERE h.user_id = p_users[i] AND h.idempotency_key = p_keys[i];
      IF FOUND THEN
        IF prev.request_hash IS DISTINCT FROM p_hashes[i] THEN
          outcomes[i] := 'key_mismatch';
        ELSE
          outcomes[i] := 'held';
          r_hold[i] := prev.id;
          r_labels[i] := array_to_string(prev.seat_labels, ',');
          r_expires[i] := prev.expires_at;
          r_price[i] := prev.total_price::text;
        END IF;
        CONTINUE;
      END IF;
    END IF;
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

    IF p_quantity[i] IS NOT NULL THEN
      -- Best available: pick, lock the pick without waiting, and pick again without the seats
      -- another transaction holds a lock on (a few times; then it counts as not available).
      sc := array_position(sc_keys, p_events[i]::text || ':' || p_from[i] || ':' || p_to[i]);
      IF sc IS NULL THEN
        sc_keys := sc_keys || (p_events[i]::text || ':' || p_from[i] || ':' || p_to[i]);
        sc_start := sc_start || COALESCE((SELECT st.seat_no FROM seats st
                                           WHERE st.event_id = p_events[i]
                                             AND st.seat_no BETWEEN greatest(p_from[i], COALESCE(p_scan_from[i], p_from[i])) AND p_to[i]
                                             AND seat_is_free(st.status, st.hold_expires_at)
                                           ORDER BY st.seat_no LIMIT 1), p_to[i] + 1);
        sc := cardinality(sc_keys);
      END IF;
      r_scan[i] := sc_start[sc];
      skipped := '{}';
      got := NULL;
      FOR attempt IN 1..4 LOOP
        EXIT WHEN sc_start[sc] > p_to[i];
        pick := best_available_seats(p_events[i], p_per_row[i], p_from[i], p_to[i], p_quantity[i],
                  skipped || ARRAY(SELECT t.n FROM unnest(g_events, g_nos) AS t(ev, n) WHERE t.ev = p_events[i]), sc_start[sc]);
        EXIT WHEN pick IS NULL;
        got := ARRAY(SELECT st.seat_no FROM seats st
                      WHERE st.event_id = p_events[i] AND st.seat_no BETWEEN pick AND pick + p_quantity[i] - 1
                        AND seat_is_free(st.status, st.hold_expires_at)
                      ORDER BY st.seat_no FOR UPDATE SKIP LOCKED);
        EXIT WHEN cardinality(got) = p_quantity[i];
        skipped := skipped || ARRAY(SELECT x FROM generate_series(pick, pick + p_quantity[i] - 1) AS x WHERE x <> ALL (got));
        got := NULL;
      END LOOP;
      IF got IS NULL THEN
        outcomes[i] := 'no_seats';
        CONTINUE;
      END IF;
      w_first[i] := cardinality(w_nos) + 1;
      w_count[i] := cardinality(got);
      w_nos := w_nos || got;
      -- Taken now, for the next picks of this batch (step 4 writes the hold's own values).
      UPDATE seats st SET status = 'held', hold_id = p_holds[i], hold_expires_at = 'infinity'
       WHERE st.event_id = p_events[i] AND st.seat_no = ANY (got);
      -- A later request naming one of these seats finds it taken.
      FOREACH j IN ARRAY got LOOP
        s := array_position(s_keys, p_events[i]::text || ':' || j);
        IF s IS NOT NULL THEN
          s_free[s] := false;
        END IF;
      END LOOP;
    ELSE
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
      w_first[i] := cardinality(w_nos) + 1;
      w_count[i] := p_count[i];
      w_nos := w_nos || p_seat_nos[p_first[i] : p_first[i] + p_count[i] - 1];
      g_events := g_events || array_fill(p_events[i], ARRAY[p_count[i]]);
      g_nos := g_nos || p_seat_nos[p_first[i] : p_first[i] + p_count[i] - 1];
    END IF;
    q_won[q] := q_won[q] + 1;
    outcomes[i] := 'held';
    w_req := w_req || i;
  END LOOP;

  -- 4. The winners' holds and seats, set-based.
  RETURN QUERY
  WITH w AS (
    SELECT r.i, p_holds[r.i] AS hold_id, p_events[r.i] AS event_id, p_users[r.i] AS user_id,
           w_nos[w_first[r.i] : w_first[r.i] + w_count[r.i] - 1] AS seat_nos
      FROM unnest(w_req) AS r(i)
  ), ins AS (
    INSERT INTO holds (id, event_id, user_id, seat_nos, seat_labels, seat_count, total_price, status, expires_at,
                       idempotency_key, request_hash)
    SELECT w.hold_id, w.event_id, w.user_id, w.seat_nos,
           ARRAY(SELECT st.label FROM seats st WHERE st.event_id = w.event_id AND st.seat_no = ANY (w.seat_nos) ORDER BY st.seat_no),
           -- seats_price (sql/02_seats.sql), written out: as a function call it was set up and
           -- planned again for every hold (13 % of a batch).
           cardinality(w.seat_nos),
           (SELECT sum(sec.price) FROM unnest(w.seat_nos) AS x(n)
              JOIN sections sec ON sec.event_id = w.event_id AND x.n >= sec.first_seat_no AND x.n < sec.first_seat_no + sec.seat_count),
           'active',
           now() + make_interval(secs => ev.hold_ttl_seconds), p_keys[w.i], p_hashes[w.i]
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
         COALESCE(ins.id, r_hold[r.i]),
         COALESCE(ins.seat_labels, string_to_array(r_labels[r.i], ',')),
         COALESCE(ins.expires_at, r_expires[r.i]),
         CASE WHEN r_hold[r.i] IS NOT NULL THEN r_price[r.i]
              WHEN ins.id IS NULL THEN NULL
              WHEN marked.c = cardinality(ins.seat_nos) THEN ins.total_price::text
              ELSE 'partial' END,
         r_scan[r.i]
    FROM generate_series(1, n) AS r(i)
    LEFT JOIN ins ON ins.id = p_holds[r.i]
    -- A join, not a subquery per request (that read every marked hold for each).
    LEFT JOIN marked ON marked.hold_id = ins.id
   ORDER BY r.i;
END
$$;
