-- The waiting list's offering pass (docs/waiting-list.md). Applied with CREATE OR REPLACE on every
-- start, like the hold functions; a change of the returned row type needs a migration that drops it.

-- One pass over one event's waiting list, in one transaction:
--  1. the per-event advisory lock: passes of one event never overlap, whichever instance runs
--     them, so the list is walked in order by one pass at a time;
--  2. offers whose hold ended are settled: fulfilled (its hold was confirmed) or expired;
--  3. the waiting entries are walked in list order; each gets `quantity` seats of its section (or
--     of any section, in section order) if they are free now: adjacent seats picked by
--     best_available_seats, else any free seats of the section in seat order. Seats are locked
--     with SKIP LOCKED (a seat some request holds a lock on is not free for this pass; the next
--     pass finds it), so a pass never waits for a seat and never deadlocks with holds.
--  4. each offer is a hold of the entry's user (status active, the event's offer TTL), written
--     like any hold: its seats marked held, its `seats.held` row and the offer's email in the outbox.
-- An entry that does not fit is skipped (the seats go to the first entry they fit); the walk stops
-- once no seat is free. Returns the offers made and the offers settled.
-- p_link_base: the web app's address; the email links to <p_link_base>/events/<id>/waitlist.
CREATE OR REPLACE FUNCTION waitlist_offer(p_event uuid, p_default_ttl integer, p_seat_topic text, p_offer_topic text, p_link_base text)
RETURNS TABLE (kind text, entry_id bigint, user_id uuid, hold_id uuid, seat_labels text[], expires_at timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  ev record;
  en record;
  sec record;
  v_free integer;
  v_ttl integer;
  pick integer;
  got integer[];
  skipped integer[];
  attempt integer;
  v_hold uuid;
  v_labels text[];
  v_expires timestamptz;
  v_price numeric;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('events.waitlist:' || p_event::text, 0));

  RETURN QUERY
  WITH ended AS (
    SELECT e.id, e.user_id, e.hold_id, h.status = 'confirmed' AS bought, h.seat_labels, h.expires_at
      FROM waitlist_entries e JOIN holds h ON h.id = e.hold_id
     WHERE e.event_id = p_event AND e.status = 'offered'
       AND (h.status = 'confirmed' OR NOT hold_is_live(h.status, h.expires_at))
       FOR UPDATE OF e
  ), settled AS (
    UPDATE waitlist_entries e SET status = CASE WHEN ended.bought THEN 'fulfilled' ELSE 'expired' END, updated_at = now()
      FROM ended WHERE e.id = ended.id
    RETURNING e.id
  )
  SELECT 'ended'::text, ended.id, ended.user_id, ended.hold_id, ended.seat_labels, ended.expires_at
    FROM ended JOIN settled ON settled.id = ended.id;

  SELECT e.id, e.name, e.venue, e.event_date, e.currency,
         COALESCE(e.waitlist_offer_ttl_seconds, p_default_ttl) AS ttl,
         sales_open(e.status, e.sales_start, e.sales_end, e.event_date) AND e.cancelled_at IS NULL AS open
    INTO ev FROM events e WHERE e.id = p_event;
  IF NOT FOUND OR NOT ev.open THEN
    RETURN;
  END IF;
  v_ttl := ev.ttl;

  -- Free seats now (bounded: only whether entries can still fit matters).
  SELECT count(*)::int INTO v_free
    FROM (SELECT 1 FROM seats s WHERE s.event_id = p_event AND seat_is_free(s.status, s.hold_expires_at) LIMIT 1000) AS f;

  FOR en IN
    SELECT e.id, e.user_id, e.email, e.name, e.section_no, e.quantity
      FROM waitlist_entries e
     WHERE e.event_id = p_event AND e.status = 'waiting'
     ORDER BY e.id
       FOR UPDATE SKIP LOCKED
  LOOP
    EXIT WHEN v_free <= 0;
    CONTINUE WHEN en.quantity > v_free;
    got := NULL;
    FOR sec IN
      SELECT x.first_seat_no, x.seat_count, x.seats_per_row
        FROM sections x
       WHERE x.event_id = p_event AND (en.section_no IS NULL OR x.section_no = en.section_no)
       ORDER BY x.section_no
    LOOP
      -- Adjacent seats where they exist (best available, as a hold request would pick them).
      IF en.quantity <= sec.seats_per_row THEN
        skipped := '{}';
        FOR attempt IN 1..4 LOOP
          pick := best_available_seats(p_event, sec.seats_per_row, sec.first_seat_no, sec.first_seat_no + sec.seat_count - 1,
                                       en.quantity, skipped);
          EXIT WHEN pick IS NULL;
          got := ARRAY(SELECT s.seat_no FROM seats s
                        WHERE s.event_id = p_event AND s.seat_no BETWEEN pick AND pick + en.quantity - 1
                          AND seat_is_free(s.status, s.hold_expires_at)
                        ORDER BY s.seat_no FOR UPDATE SKIP LOCKED);
          EXIT WHEN cardinality(got) = en.quantity;
          skipped := skipped || ARRAY(SELECT x FROM generate_series(pick, pick + en.quantity - 1) AS x WHERE x <> ALL (got));
          got := NULL;
        END LOOP;
      END IF;
      -- Else any free seats of the section, in seat order.
      IF got IS NULL THEN
        got := ARRAY(SELECT s.seat_no FROM seats s
                      WHERE s.event_id = p_event AND s.seat_no BETWEEN sec.first_seat_no AND sec.first_seat_no + sec.seat_count - 1
                        AND seat_is_free(s.status, s.hold_expires_at)
                      ORDER BY s.seat_no LIMIT en.quantity FOR UPDATE SKIP LOCKED);
        IF cardinality(got) < en.quantity THEN
          got := NULL;
        END IF;
      END IF;
      EXIT WHEN got IS NOT NULL;
    END LOOP;
    CONTINUE WHEN got IS NULL;

    v_hold := gen_random_uuid();
    v_expires := clock_timestamp() + make_interval(secs => v_ttl);
    v_labels := ARRAY(SELECT s.label FROM seats s WHERE s.event_id = p_event AND s.seat_no = ANY (got) ORDER BY s.seat_no);
    v_price := seats_price(p_event, got);
    INSERT INTO holds (id, event_id, user_id, seat_nos, seat_labels, seat_count, total_price, status, expires_at)
    VALUES (v_hold, p_event, en.user_id, got, v_labels, cardinality(got), v_price, 'active', v_expires);
    UPDATE seats s SET status = 'held', hold_id = v_hold, hold_expires_at = v_expires
     WHERE s.event_id = p_event AND s.seat_no = ANY (got);
    UPDATE waitlist_entries e SET status = 'offered', hold_id = v_hold, updated_at = now() WHERE e.id = en.id;
    INSERT INTO waitlist_offers (hold_id, entry_id, event_id, seat_nos, expires_at) VALUES (v_hold, en.id, p_event, got, v_expires);
    IF p_seat_topic IS NOT NULL THEN
      INSERT INTO outbox (id, topic, key, value, headers)
      VALUES (gen_random_uuid(), p_seat_topic, p_event::text, seat_event('seats.held', p_event, v_hold, en.user_id, NULL, v_labels),
              seat_event_headers());
    END IF;
    IF p_offer_topic IS NOT NULL THEN
      INSERT INTO outbox (id, topic, key, value, headers)
      VALUES (gen_random_uuid(), p_offer_topic, en.user_id::text,
              json_build_object(
                'email_id', gen_random_uuid(), 'type', 'waitlist_offer',
                'recipient_email', en.email, 'recipient_name', en.name,
                'event_id', p_event, 'event_name', ev.name, 'venue', ev.venue,
                'event_date', to_char(ev.event_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                'hold_id', v_hold, 'seats', to_json(v_labels),
                'total_amount', v_price, 'currency', ev.currency,
                'expires_at', to_char(v_expires AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                'link', rtrim(p_link_base, '/') || '/events/' || p_event::text || '/waitlist'),
              '{"message_version": "1"}'::jsonb);
    END IF;
    v_free := v_free - cardinality(got);
    kind := 'offered'; entry_id := en.id; user_id := en.user_id; hold_id := v_hold; seat_labels := v_labels; expires_at := v_expires;
    RETURN NEXT;
  END LOOP;
END
$$;
