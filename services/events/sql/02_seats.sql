-- Excel-style row letters for a 0-based row index: 0 → A, 25 → Z, 26 → AA, 701 → ZZ, 702 → AAA.
CREATE OR REPLACE FUNCTION seat_row_label(row_index integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  WITH RECURSIVE r(n, s) AS (
    SELECT row_index + 1, ''::text
    UNION ALL
    SELECT (n - 1) / 26, chr(65 + (n - 1) % 26) || s FROM r WHERE n > 0
  )
  SELECT s FROM r WHERE n = 0
$$;

-- The price of a set of seats of one event: the sum of each seat's section price (sections are a
-- handful of rows per event, found by the seat's number range). Every hold statement prices
-- through this, so a hold's total always comes from the database.
CREATE OR REPLACE FUNCTION seats_price(p_event uuid, p_seat_nos integer[]) RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT sum(sec.price)
    FROM unnest(p_seat_nos) AS x(n)
    JOIN sections sec ON sec.event_id = p_event AND x.n >= sec.first_seat_no AND x.n < sec.first_seat_no + sec.seat_count
$$;
