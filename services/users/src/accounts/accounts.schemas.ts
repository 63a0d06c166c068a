import { Type, type Static } from '@sinclair/typebox';
import { errorResponses } from '@ticketing/http';
import { TokenSchema, UserSchema } from '../users/users.schemas.ts';

const Email = Type.String({ format: 'email', maxLength: 254 });
// Byte length (8–72) is checked in the service, as at registration.
const Password = Type.String({ minLength: 1, maxLength: 1024 });
/** The token of an emailed link (43 base64url characters); anything else is simply not a valid link. */
const LinkToken = Type.String({ minLength: 1, maxLength: 200 });

export const EmailBody = Type.Object({ email: Email });
export type EmailBody = Static<typeof EmailBody>;

export const LinkBody = Type.Object({ token: LinkToken });
export type LinkBody = Static<typeof LinkBody>;

export const ResetPasswordBody = Type.Object({ token: LinkToken, password: Password });
export type ResetPasswordBody = Static<typeof ResetPasswordBody>;

export const ChangePasswordBody = Type.Object({ current_password: Password, password: Password });
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

/** The same answer whether the address has an account or not. */
export const MessageSchema = Type.Object({ message: Type.String() });

const tags = ['accounts'];

export const requestVerificationSchema = {
  tags,
  summary: 'Email a new verification link to this address (if it has an unverified account); the answer is the same either way',
  body: EmailBody,
  response: { 202: MessageSchema, ...errorResponses(400, 413, 415, 429) },
};

export const verifyEmailSchema = {
  tags,
  summary: 'Verify an email address with the token of an emailed link (single use)',
  body: LinkBody,
  response: { 200: UserSchema, ...errorResponses(400, 413, 415) },
};

export const forgotPasswordSchema = {
  tags,
  summary: 'Email a password reset link to this address (if it has an account); the answer is the same either way',
  body: EmailBody,
  response: { 202: MessageSchema, ...errorResponses(400, 413, 415, 429) },
};

export const resetPasswordSchema = {
  tags,
  summary: 'Set a new password with the token of an emailed reset link (single use); revokes every token issued before',
  body: ResetPasswordBody,
  response: { 200: MessageSchema, ...errorResponses(400, 413, 415) },
};

export const changePasswordSchema = {
  tags,
  summary: 'Change the caller’s password; revokes every token issued before and answers with a new one',
  security: [{ bearerAuth: [] }],
  body: ChangePasswordBody,
  response: { 200: TokenSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
};

export const logoutSchema = {
  tags,
  summary: 'Log out: revoke the token of this request',
  security: [{ bearerAuth: [] }],
  response: { 200: MessageSchema, ...errorResponses(401) },
};
