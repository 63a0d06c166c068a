import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Uuid } from './formats.ts';
import { defineMessage } from './message.ts';

const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@<>,;"]+@[^\\s@<>,;"]+$' });
const Name = Type.String({ maxLength: 300 });
// Only web links: a link in an email is clicked by people, so no javascript:, data: or mailto:.
const Link = Type.String({ minLength: 8, maxLength: 2000, pattern: '^https?://[^\\s<>"]+$' });

const common = {
  /** Unique per email: the notification service sends each id once (and uses it in the Message-ID). */
  email_id: Uuid(),
  recipient_email: Email,
  /** How to greet the recipient; empty when unknown (an invitation to an address with no account). */
  recipient_name: Name,
};

const EmailVerification = Type.Object({
  ...common,
  type: Type.Literal('email_verification'),
  link: Link,
  expires_at: DateTime(),
});

const PasswordReset = Type.Object({
  ...common,
  type: Type.Literal('password_reset'),
  link: Link,
  expires_at: DateTime(),
});

/** Tells the owner of an account that its password changed, so an unexpected change is noticed. */
const PasswordChanged = Type.Object({
  ...common,
  type: Type.Literal('password_changed'),
});

const OrganizationInvitation = Type.Object({
  ...common,
  type: Type.Literal('organization_invitation'),
  organization_name: Type.String({ minLength: 1, maxLength: 200 }),
  inviter_name: Name,
  role: Type.String({ minLength: 1, maxLength: 50 }),
  link: Link,
  expires_at: DateTime(),
});

/**
 * `account-emails` (key: recipient_email), users service → notification service: one email about
 * an account (verify the address, reset or changed password, an invitation to an organization).
 * The users service writes it to its outbox in the transaction of the change (docs/users.md).
 */
export const AccountEmail = Type.Union([EmailVerification, PasswordReset, PasswordChanged, OrganizationInvitation]);
export type AccountEmail = Static<typeof AccountEmail>;
export type AccountEmailType = AccountEmail['type'];
export const ACCOUNT_EMAIL_TYPES: readonly AccountEmailType[] = [
  'email_verification',
  'password_reset',
  'password_changed',
  'organization_invitation',
];

export const accountEmails = defineMessage({ name: 'account-emails', version: 1, schema: AccountEmail });
