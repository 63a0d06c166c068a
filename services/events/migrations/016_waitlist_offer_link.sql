-- waitlist_offer gained the link of the buyer's waiting-list page (p_link_base) for the offer's
-- email; the old signature is dropped so that only the new one exists (sql/05_waitlist.sql).
DROP FUNCTION IF EXISTS waitlist_offer(uuid, integer, text, text);
