-- An event's seats are laid out in named sections, each with its own rows, seats per row and
-- price. A section is a contiguous range of seat numbers (first_seat_no .. first_seat_no +
-- seat_count - 1) and of rows (first_row .. first_row + row_count - 1): rows continue across
-- sections (Floor A–J, Balcony K–P), so seat labels stay unique in the event and the seats table
-- needs no new column (a hold prices its seats by joining this small table on the range).
CREATE TABLE sections (
  event_id uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  section_no integer NOT NULL CHECK (section_no >= 1),
  name text NOT NULL,
  first_seat_no integer NOT NULL CHECK (first_seat_no >= 1),
  seat_count integer NOT NULL CHECK (seat_count >= 1),
  first_row integer NOT NULL CHECK (first_row >= 0),
  row_count integer NOT NULL CHECK (row_count >= 1),
  seats_per_row integer NOT NULL CHECK (seats_per_row BETWEEN 1 AND 1000),
  price numeric(12, 2) NOT NULL CHECK (price > 0),
  PRIMARY KEY (event_id, section_no)
);
CREATE UNIQUE INDEX sections_event_name_idx ON sections (event_id, lower(name));

-- Every event created before sections is one section at its single price: same seats, same labels.
INSERT INTO sections (event_id, section_no, name, first_seat_no, seat_count, first_row, row_count, seats_per_row, price)
SELECT id, 1, 'General', 1, total_seats, 0, (total_seats + seats_per_row - 1) / seats_per_row, seats_per_row, price_per_seat
  FROM events;
