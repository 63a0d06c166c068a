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
