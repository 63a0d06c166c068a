-- The `seat-events` message (docs/events.md), built in one place for every statement that
-- writes one to the outbox: the hold statement, hold_seats_batch, the transitions, the sweeper.

-- The value, in the field order of the contract (packages/contracts seatEvents).
CREATE OR REPLACE FUNCTION seat_event(p_type text, p_event uuid, p_hold uuid, p_user uuid, p_booking uuid, p_seats text[])
RETURNS json LANGUAGE sql VOLATILE AS $$
  SELECT json_build_object(
    'type', p_type, 'event_id', p_event, 'hold_id', p_hold, 'user_id', p_user, 'booking_id', p_booking,
    'seats', to_json(COALESCE(p_seats, '{}')),
    'status', CASE p_type WHEN 'seats.held' THEN 'held' WHEN 'seats.booked' THEN 'booked' ELSE 'available' END,
    'timestamp', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
$$;

-- Its headers: the contract's version (a test decodes these rows with the seat-events contract).
CREATE OR REPLACE FUNCTION seat_event_headers() RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$ SELECT '{"message_version": "1"}'::jsonb $$;
