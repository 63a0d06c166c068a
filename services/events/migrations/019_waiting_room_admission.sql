-- How a waiting room admits (issue 15): `fixed` at admit_per_minute, or `adaptive`, where the
-- rate follows the platform's measured latency with admit_per_minute as its ceiling.
ALTER TABLE waiting_rooms
  ADD COLUMN admission text NOT NULL DEFAULT 'fixed' CHECK (admission IN ('fixed', 'adaptive'));
