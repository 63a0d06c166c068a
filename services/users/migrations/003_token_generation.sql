-- Revocation by generation instead of by time (docs/users.md#revocation): a token carries the
-- user's token generation (claim `gen`) and is refused once the generation has moved past it.
-- A counter needs no clock agreement between the hosts that issue and check tokens, and a token
-- issued right after a password change (in the same second) is never mistaken for an older one.
ALTER TABLE users ADD COLUMN token_generation integer NOT NULL DEFAULT 0;
-- When the generation last moved: the users service re-announces recent revocations from it.
ALTER TABLE users RENAME COLUMN tokens_valid_after TO tokens_revoked_at;
CREATE INDEX users_tokens_revoked_idx ON users (tokens_revoked_at) WHERE tokens_revoked_at IS NOT NULL;
