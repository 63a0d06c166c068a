-- Accounts a business can trust (docs/users.md): verified addresses, emailed single-use links,
-- token revocation, platform admins granted by an operator, and emails through an outbox.

-- The shared convention (packages/bus OUTBOX_TABLE_SQL): account emails are written in the
-- transaction of the change they announce, and the relay publishes them to `account-emails`.
CREATE TABLE IF NOT EXISTS outbox (
  id uuid PRIMARY KEY,
  topic text NOT NULL,
  key text NOT NULL,
  value json NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  claimed_until timestamptz,
  published_at timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (topic, created_at) WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;

ALTER TABLE users
  -- When the current address was proven by a link sent to it; NULL until then (and after a change).
  ADD COLUMN email_verified_at timestamptz,
  -- Tokens issued before this instant are refused (set by a password change or reset).
  ADD COLUMN tokens_valid_after timestamptz;

-- Single-use links. Only the SHA-256 of the token is stored: a copy of this table opens nothing.
CREATE TABLE account_tokens (
  token_hash bytea PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  purpose text NOT NULL CHECK (purpose IN ('email_verification', 'password_reset')),
  -- The address the link was sent to: a verification link verifies only that address.
  email text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose) WHERE used_at IS NULL;
CREATE INDEX account_tokens_expires_idx ON account_tokens (expires_at);

-- Access tokens revoked one by one (log out), until they would have expired anyway.
CREATE TABLE revoked_tokens (
  jti uuid PRIMARY KEY,
  user_id uuid NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX revoked_tokens_user_idx ON revoked_tokens (user_id, expires_at);

-- Every change of the platform admin role, and who made it (operator command or configuration).
CREATE TABLE admin_grants (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id),
  email text NOT NULL,
  action text NOT NULL CHECK (action IN ('grant', 'revoke')),
  actor text NOT NULL,
  reason text,
  at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX admin_grants_user_idx ON admin_grants (user_id, at);
