-- An organizer's own events (GET /api/events?created_by=…, the box office) in date order
-- without scanning every event.
CREATE INDEX events_created_by_idx ON events (created_by, event_date, id);
