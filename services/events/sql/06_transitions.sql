-- A booking's two hold transitions, lock (at submit) and confirm (after payment), for a batch
-- of requests in one statement: one round trip, one transaction and one WAL flush for every
-- lock (or confirm) that arrives together (the event service's group commit), where a
-- transition of its own took six round trips and a commit.
--
-- Every request is decided exactly as it would be alone, in the order given:
-- - lock: the hold must be this user's, active and live, cost p_amounts[i] (when given: the
--   booking's amount), and own every seat; its seats and the hold then get the payment window's
--   expiry (now() + p_seconds[i]) and the booking's id. A repeat by the same booking while the
--   lock lasts changes nothing.
-- - confirm: the hold must be locked by this booking (or locked and then expired by the
--   sweeper), and every seat still its own or free again; its seats are booked, the hold is
--   confirmed and `seats.booked` goes to the outbox. A repeat by the same booking changes nothing.
-- A refused request changes nothing (its seats are counted before anything is written).
--
-- Lock order, the one of every writer (no deadlocks): the batch's hold rows in id order, then
-- all their seats in (event, seat) order, before any request is decided. A single transition
-- locks one hold and then its seats; the sweeper skips locked holds; a hold request locks only
-- seats, in the same order.
--
-- Answers one row per request: ord (1-based), outcome ('ok', 'hold_not_found',
-- 'hold_not_active', 'hold_expired', 'amount_mismatch', 'seats_unavailable'), why it was refused
-- (for amount_mismatch: the hold's total), whether it
-- changed the hold, and the hold as it is now (the columns of HOLD_COLUMNS in
-- holds.repository.ts; NULL when the hold does not exist).
CREATE OR REPLACE FUNCTION transition_holds(p_kind text, p_holds uuid[], p_users uuid[], p_bookings uuid[], p_seconds integer[],
                                            p_amounts numeric[], p_topic text)
RETURNS TABLE (ord integer, outcome text, reason text, changed boolean, id uuid, user_id uuid, event_id uuid, event_name text,
               venue text, event_date timestamptz, seat_nos integer[], seat_labels text[], seat_count integer, total_price text,
               currency text, expires_at timestamptz, status text, live boolean, booking_id uuid)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  h holds%ROWTYPE;
  v_found boolean;
  n integer;
  v_at timestamptz;
BEGIN
  IF p_kind NOT IN ('lock', 'confirm') THEN
    RAISE EXCEPTION 'transition_holds: unknown kind %', p_kind;
  END IF;
  PERFORM 1 FROM holds x WHERE x.id = ANY (p_holds) ORDER BY x.id FOR UPDATE;
  PERFORM 1
     FROM holds x
     CROSS JOIN LATERAL unnest(x.seat_nos) AS u(seat_no)
     JOIN seats s ON s.event_id = x.event_id AND s.seat_no = u.seat_no
    WHERE x.id = ANY (p_holds)
    ORDER BY s.event_id, s.seat_no
      FOR UPDATE OF s;

  FOR i IN 1 .. coalesce(cardinality(p_holds), 0) LOOP
    ord := i;
    reason := NULL;
    changed := false;
    SELECT * INTO h FROM holds x WHERE x.id = p_holds[i];
    v_found := FOUND;
    IF NOT v_found THEN
      outcome := 'hold_not_found';
    ELSIF p_kind = 'lock' THEN
      IF h.user_id <> p_users[i] THEN
        outcome := 'hold_not_found';
      ELSIF h.status IN ('confirmed', 'released') THEN
        outcome := 'hold_not_active';
        reason := 'it is ' || h.status;
      ELSIF h.status = 'expired' OR NOT hold_is_live(h.status, h.expires_at) THEN
        -- As the hold reads (status expired), also when another booking's lock ran out.
        outcome := 'hold_expired';
      ELSIF h.status = 'locked' AND h.booking_id IS DISTINCT FROM p_bookings[i] THEN
        outcome := 'hold_not_active';
        reason := 'it is locked by another booking';
      ELSIF p_amounts[i] IS NOT NULL AND h.total_price <> p_amounts[i] THEN
        outcome := 'amount_mismatch';
        reason := h.total_price::text;
      ELSIF h.status = 'locked' THEN
        outcome := 'ok';
      ELSE
        SELECT count(*) INTO n FROM seats s
         WHERE s.event_id = h.event_id AND s.seat_no = ANY (h.seat_nos) AND s.hold_id = h.id AND s.status = 'held';
        -- A live hold owns all its seats; fewer means it expired while this request waited.
        IF n <> h.seat_count THEN
          outcome := 'hold_expired';
        ELSE
          v_at := now() + make_interval(secs => p_seconds[i]);
          UPDATE seats s SET hold_expires_at = v_at
           WHERE s.event_id = h.event_id AND s.seat_no = ANY (h.seat_nos) AND s.hold_id = h.id AND s.status = 'held';
          UPDATE holds x SET status = 'locked', expires_at = v_at, booking_id = p_bookings[i], updated_at = now() WHERE x.id = h.id;
          outcome := 'ok';
          changed := true;
        END IF;
      END IF;
    ELSE
      IF h.status = 'confirmed' AND h.booking_id = p_bookings[i] THEN
        outcome := 'ok';
      ELSIF h.status = 'confirmed' THEN
        outcome := 'hold_not_active';
        reason := 'it was confirmed by another booking';
      ELSIF h.status = 'released' THEN
        outcome := 'hold_not_active';
        reason := 'it was released';
      ELSIF h.booking_id IS DISTINCT FROM p_bookings[i] OR h.status = 'active' THEN
        outcome := 'hold_not_active';
        reason := 'it is not locked by this booking';
      ELSE
        SELECT count(*) INTO n FROM seats s
         WHERE s.event_id = h.event_id AND s.seat_no = ANY (h.seat_nos)
           AND ((s.hold_id = h.id AND s.status = 'held') OR seat_is_free(s.status, s.hold_expires_at));
        IF n <> h.seat_count THEN
          outcome := 'seats_unavailable';
        ELSE
          UPDATE seats s SET status = 'booked', hold_id = h.id, hold_expires_at = NULL
           WHERE s.event_id = h.event_id AND s.seat_no = ANY (h.seat_nos)
             AND ((s.hold_id = h.id AND s.status = 'held') OR seat_is_free(s.status, s.hold_expires_at));
          UPDATE holds x SET status = 'confirmed', updated_at = now() WHERE x.id = h.id;
          IF p_topic IS NOT NULL THEN
            INSERT INTO outbox (id, topic, key, value, headers)
            VALUES (gen_random_uuid(), p_topic, h.event_id::text,
                    seat_event('seats.booked', h.event_id, h.id, h.user_id, p_bookings[i], h.seat_labels), seat_event_headers());
          END IF;
          outcome := 'ok';
          changed := true;
        END IF;
      END IF;
    END IF;

    IF NOT v_found THEN
      RETURN QUERY SELECT i, outcome, reason, changed, NULL::uuid, NULL::uuid, NULL::uuid, NULL::text, NULL::text, NULL::timestamptz,
                          NULL::integer[], NULL::text[], NULL::integer, NULL::text, NULL::text, NULL::timestamptz, NULL::text,
                          NULL::boolean, NULL::uuid;
    ELSE
      RETURN QUERY
        SELECT i, outcome, reason, changed, x.id, x.user_id, x.event_id, e.name, e.venue, e.event_date, x.seat_nos, x.seat_labels,
               x.seat_count, x.total_price::text, e.currency, x.expires_at, x.status, hold_is_live(x.status, x.expires_at), x.booking_id
          FROM holds x JOIN events e ON e.id = x.event_id
         WHERE x.id = p_holds[i];
    END IF;
  END LOOP;
END
$$;
