-- The waiting list of a sold-out event (docs/waiting-list.md): buyers wait in list order (the
-- id) for seats that come back; each is offered seats as a hold of their own (waitlist_offers).
CREATE TABLE waitlist_entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  user_id uuid NOT NULL,
  -- For the offer's email (the token's address when the buyer joined).
  email text NOT NULL,
  name text NOT NULL DEFAULT '',
  -- NULL: any section.
  section_no integer,
  quantity integer NOT NULL CHECK (quantity >= 1),
  -- waiting → offered → fulfilled (bought) | expired (the offer ran out or its hold ended unbought)
  --        | declined; waiting|offered → left.
  status text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'offered', 'fulfilled', 'expired', 'declined', 'left')),
  -- The offer's hold (status offered and after).
  hold_id uuid,
  joined_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One entry per account per event and section while it is on the list.
CREATE UNIQUE INDEX waitlist_entries_one_idx ON waitlist_entries (event_id, user_id, COALESCE(section_no, 0))
  WHERE status IN ('waiting', 'offered');
-- The list of an event in order (offering walks it, places count it).
CREATE INDEX waitlist_entries_list_idx ON waitlist_entries (event_id, id) WHERE status IN ('waiting', 'offered');
CREATE INDEX waitlist_entries_user_idx ON waitlist_entries (user_id, event_id);

-- Every offer made: its hold, to which entry, when (clock time, for the order checks). An entry
-- gets at most one offer.
CREATE TABLE waitlist_offers (
  hold_id uuid PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  entry_id bigint NOT NULL UNIQUE REFERENCES waitlist_entries (id) ON DELETE CASCADE,
  event_id uuid NOT NULL,
  seat_nos integer[] NOT NULL,
  offered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX waitlist_offers_event_idx ON waitlist_offers (event_id, seq);

-- How long an offer is held for the buyer; NULL: the service's default (waitlist.offerTtlSeconds).
ALTER TABLE events ADD COLUMN waitlist_offer_ttl_seconds integer CHECK (waitlist_offer_ttl_seconds BETWEEN 1 AND 86400);
