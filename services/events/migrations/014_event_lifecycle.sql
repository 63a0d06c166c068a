-- Events belong to an organization and have a lifecycle (docs/events.md#lifecycle):
-- draft → published (on sale between sales_start and sales_end, ended after) or → cancelled.
-- Events created before organizations existed belong to their creator's personal organization,
-- whose id is the creator's user id, and stay published with sales open until they start.
ALTER TABLE events
  ADD COLUMN organization_id uuid,
  ADD COLUMN status text NOT NULL DEFAULT 'published' CHECK (status IN ('draft', 'published', 'cancelled')),
  -- NULL: sales open when the event is published, and close when it starts.
  ADD COLUMN sales_start timestamptz,
  ADD COLUMN sales_end timestamptz,
  ADD COLUMN published_at timestamptz,
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
  ADD CONSTRAINT events_sales_window CHECK (sales_start IS NULL OR sales_end IS NULL OR sales_start < sales_end);

UPDATE events SET organization_id = created_by, published_at = created_at;
ALTER TABLE events ALTER COLUMN organization_id SET NOT NULL;

-- An organization's events (GET /api/events?organization_id=…) in date order.
CREATE INDEX events_organization_idx ON events (organization_id, event_date, id);

-- Replaced by sales_open(status, sales_start, sales_end, event_date) in sql/01_rules.sql.
DROP FUNCTION IF EXISTS sales_open(timestamptz);

-- The audit log of organizer actions on events (the shared convention, packages/db AUDIT_LOG_TABLE_SQL).
CREATE TABLE audit_log (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  event_id uuid,
  actor_id uuid NOT NULL,
  actor_email text NOT NULL,
  action text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX audit_log_organization_idx ON audit_log (organization_id, at DESC, id);
CREATE INDEX audit_log_event_idx ON audit_log (event_id, at DESC, id) WHERE event_id IS NOT NULL;
