-- hold_seats_batch takes where each best-available section's free seats start, and answers where
-- they started (sql/03_holds.sql): the old signature goes.
DROP FUNCTION IF EXISTS hold_seats_batch(uuid[], uuid[], uuid[], integer[], integer[], integer[], integer[],
                                         integer[], integer[], integer[], integer[], text[], text[], text);
