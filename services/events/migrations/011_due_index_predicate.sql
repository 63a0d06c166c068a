-- The sweeper's queue again, with a predicate that only a query testing expires_at can imply
-- (`expires_at <= now()` does, being strict): the counts of live holds read the holds of an
-- (event, user) or event behind a fence without any test on expires_at, so this index can no
-- longer serve them, and their plan is holds_live_idx whatever the statistics say. Before, on a
-- full database whose statistics saw only old holds, the planner scanned this whole index for
-- every count (docs/hold-plans.md). expires_at is NOT NULL: the extra condition changes no row.
DROP INDEX holds_due_idx;
CREATE INDEX holds_due_idx ON holds (expires_at) WHERE status IN ('active', 'locked') AND expires_at IS NOT NULL;
