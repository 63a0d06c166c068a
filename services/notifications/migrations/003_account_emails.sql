-- Account emails from the users service (topic account-emails) are delivered with the same
-- claim/lease/dead-letter machinery as booking emails: they have no booking (deduplicated by
-- message id alone), and their types are checked by the message contracts (packages/contracts),
-- not by a list here that every new kind of email would have to change.
ALTER TABLE deliveries ALTER COLUMN booking_id DROP NOT NULL;
ALTER TABLE deliveries DROP CONSTRAINT IF EXISTS deliveries_type_check;
