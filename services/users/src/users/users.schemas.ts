import { Type, type Static } from '@sinclair/typebox';
import { errorResponses } from '@ticketing/http';

const Email = Type.String({ format: 'email', maxLength: 254 });
// Byte length (8–72, bcrypt's limit) is checked in the service; here only a sane bound.
const Password = Type.String({ minLength: 1, maxLength: 1024 });
const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });

export const UserSchema = Type.Object({
  user_id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  /** Whether the address was proven by the emailed link (false again after an email change). */
  email_verified: Type.Boolean(),
  first_name: Type.String(),
  last_name: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
});
export type UserView = Static<typeof UserSchema>;

export const RegisterBody = Type.Object({
  email: Email,
  password: Password,
  first_name: Name,
  last_name: Name,
});
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 254 }),
  password: Password,
});
export type LoginBody = Static<typeof LoginBody>;

export const TokenSchema = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer(),
  user: UserSchema,
});

export const UpdateProfileBody = Type.Object(
  {
    first_name: Type.Optional(Name),
    last_name: Type.Optional(Name),
    email: Type.Optional(Email),
    password: Type.Optional(Password),
    current_password: Type.Optional(Password),
  },
  { minProperties: 1 },
);
export type UpdateProfileBody = Static<typeof UpdateProfileBody>;

export const registerSchema = {
  tags: ['users'],
  summary: 'Register a new user',
  body: RegisterBody,
  response: { 201: UserSchema, ...errorResponses(400, 409, 413, 415) },
};

export const loginSchema = {
  tags: ['users'],
  summary: 'Log in and receive a JWT',
  body: LoginBody,
  response: { 200: TokenSchema, ...errorResponses(400, 401, 429) },
};

export const getProfileSchema = {
  tags: ['users'],
  summary: 'The caller’s profile',
  security: [{ bearerAuth: [] }],
  response: { 200: UserSchema, ...errorResponses(401, 404) },
};

export const updateProfileSchema = {
  tags: ['users'],
  summary: 'Update the caller’s profile (email or password changes need current_password)',
  security: [{ bearerAuth: [] }],
  body: UpdateProfileBody,
  response: { 200: UserSchema, ...errorResponses(400, 401, 403, 404, 409) },
};

export const refreshTokenSchema = {
  tags: ['users'],
  summary: 'A fresh token for the caller, carrying their current organizations and roles (after creating or joining one)',
  security: [{ bearerAuth: [] }],
  response: { 200: TokenSchema, ...errorResponses(401, 404) },
};
