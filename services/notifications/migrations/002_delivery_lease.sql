-- No transaction stays open during the SMTP conversation any more: a worker claims a delivery
-- with a short statement that sets status 'sending', a lease and its own claim token, sends, then
-- marks it 'sent'. A 'sending' row whose lease has passed was abandoned by a crashed worker and
-- may be claimed again; until then other workers wait for it.
ALTER TABLE deliveries
  ADD COLUMN lease_until timestamptz,
  ADD COLUMN claim_token uuid;
