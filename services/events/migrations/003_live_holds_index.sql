-- One partial index serves both the per-user limit (event_id, user_id) and the per-event sums
-- of live holds (event_id prefix, index-only thanks to INCLUDE): one index fewer to maintain
-- on every hold.
CREATE INDEX holds_live_idx ON holds (event_id, user_id) INCLUDE (expires_at, seat_count) WHERE status IN ('active', 'locked');
DROP INDEX holds_live_event_idx;
DROP INDEX holds_live_user_idx;
