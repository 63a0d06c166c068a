-- Never called: the batch function (hold_seats_batch) takes its own locks and counts.
DROP FUNCTION IF EXISTS lock_users_live_holds(uuid[], uuid[]);
