-- Each event is priced in its own currency (ISO 4217, two decimals: prices stay in cents).
-- Existing events keep the platform's one currency until now.
ALTER TABLE events ADD COLUMN currency text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$');
