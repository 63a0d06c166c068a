-- Refunds of the simulated gateway: one row per refund, UNIQUE(idempotency_key), so a refund
-- asked for again with its key (a retry, a redelivered message, a second worker) is the same
-- refund and tests can count refunds in SQL. refunded_cents on the charge is what makes
-- concurrent partial refunds with different keys unable to return more than was charged: each
-- adds to it under the row lock, with the bound checked in the same UPDATE.
CREATE TABLE gateway_refunds (
  refund_id uuid PRIMARY KEY,
  idempotency_key text NOT NULL,
  payment_id uuid NOT NULL REFERENCES gateway_charges (payment_id),
  amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
  reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT gateway_refunds_idempotency_key UNIQUE (idempotency_key)
);

CREATE INDEX gateway_refunds_payment ON gateway_refunds (payment_id);

ALTER TABLE gateway_charges ADD COLUMN refunded_cents bigint NOT NULL DEFAULT 0;

-- Refunds made before this table existed were always full refunds keyed refund:<booking id>.
INSERT INTO gateway_refunds (refund_id, idempotency_key, payment_id, amount_cents, created_at)
SELECT refund_id, 'refund:' || coalesce(reference, idempotency_key), payment_id, amount_cents, refunded_at
  FROM gateway_charges
 WHERE refund_id IS NOT NULL;
UPDATE gateway_charges SET refunded_cents = amount_cents WHERE refund_id IS NOT NULL;

ALTER TABLE gateway_charges
  ADD CONSTRAINT gateway_charges_refunded_bound CHECK (refunded_cents >= 0 AND refunded_cents <= amount_cents),
  DROP COLUMN refund_id;
-- refunded_at stays: the time the charge became fully refunded.
