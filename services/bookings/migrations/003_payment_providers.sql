-- Real payment providers (docs/payments.md).
--
-- A booking can wait for its buyer: `payment_action_required` (3-D Secure) is open like
-- `processing`; payment_action_secret is what the buyer's browser needs to finish (a Stripe
-- PaymentIntent's client secret), shown to the owner only. A confirmed booking may read
-- payment_status `refunded` once its payment was given back in full outside the booking flow (a
-- refund in the provider's dashboard, an event cancellation).
ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check
  CHECK (status IN ('processing', 'payment_action_required', 'confirmed', 'failed'));
ALTER TABLE bookings DROP CONSTRAINT bookings_final_consistent;
ALTER TABLE bookings ADD CONSTRAINT bookings_final_consistent CHECK (
  (status = 'confirmed' AND payment_status IN ('captured', 'refunded') AND confirmed_at IS NOT NULL)
  OR (status = 'failed' AND payment_status IN ('failed', 'refunded') AND failed_at IS NOT NULL)
  OR (status = 'processing' AND payment_status IN ('pending', 'processing', 'captured'))
  OR (status = 'payment_action_required' AND payment_status = 'processing')
);
ALTER TABLE bookings ADD COLUMN payment_action_secret text;

DROP INDEX bookings_processing_updated;
CREATE INDEX bookings_open_updated ON bookings (updated_at) WHERE status IN ('processing', 'payment_action_required');
CREATE INDEX bookings_payment_id ON bookings (payment_id) WHERE payment_id IS NOT NULL;

-- Provider webhooks, one row per provider event id: a replayed or redelivered event finds its
-- row and changes nothing.
CREATE TABLE payment_webhook_events (
  provider text NOT NULL,
  event_id text NOT NULL,
  type text NOT NULL,
  booking_id uuid,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, event_id)
);

-- The Stripe adapter's map from our idempotency key (the booking id) to its PaymentIntent, so
-- that settling a booking can ask Stripe about exactly that PaymentIntent.
CREATE TABLE stripe_payment_intents (
  idempotency_key text PRIMARY KEY,
  payment_intent_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The simulated gateway can play open outcomes too: `requires_action` (waits for the buyer until
-- cancelled) and `pending` (decided by the gateway at settles_at: a capture that lands late).
ALTER TABLE gateway_charges DROP CONSTRAINT gateway_charges_status_check;
ALTER TABLE gateway_charges ADD CONSTRAINT gateway_charges_status_check
  CHECK (status IN ('captured', 'declined', 'requires_action', 'pending'));
ALTER TABLE gateway_charges ADD COLUMN settles_at timestamptz;
