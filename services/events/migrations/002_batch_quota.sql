-- Group commit: the advisory locks of every (event, user) of a batch, taken in sorted order,
-- then ONE count of their live holds. VOLATILE, so the count runs on a snapshot taken after the
-- last lock and sees every hold those users committed concurrently.
CREATE FUNCTION lock_users_live_holds(p_events uuid[], p_users uuid[])
RETURNS TABLE (event_id uuid, user_id uuid, live integer)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('events.user_holds:' || k.e::text || ':' || k.u::text, 0))
     FROM (SELECT DISTINCT t.e, t.u FROM unnest(p_events, p_users) AS t(e, u) ORDER BY t.e, t.u OFFSET 0) AS k;
  RETURN QUERY
    SELECT k.e, k.u, (SELECT count(*)::int FROM holds h
                       WHERE h.event_id = k.e AND h.user_id = k.u AND h.status IN ('active', 'locked') AND h.expires_at > now())
      FROM (SELECT DISTINCT t.e, t.u FROM unnest(p_events, p_users) AS t(e, u)) AS k;
END
$$;
