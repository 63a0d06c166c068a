import { Type, type Static } from '@sinclair/typebox';
import { InternalOrganizationOwners } from '@ticketing/contracts';
import { errorResponses, IdParam } from '@ticketing/http';

const OrgName = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: '1–200 characters after trimming' });
const Role = Type.Union([Type.Literal('owner'), Type.Literal('manager'), Type.Literal('staff'), Type.Literal('viewer')], {
  description: 'owner: everything, members included; manager: events and sales; staff: check-in only; viewer: sales read-only',
});
const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const bearer = [{ bearerAuth: [] }];

export const OrganizationSchema = Type.Object({
  organization_id: Uuid,
  name: Type.String(),
  /** The caller's role. */
  role: Role,
  /** The user's personal organization (its id is the user's id; it has no other members). */
  personal: Type.Boolean(),
  members: Type.Integer(),
  /** Null for the personal organization. */
  created_at: Type.Union([DateTime, Type.Null()]),
});
export type OrganizationView = Static<typeof OrganizationSchema>;

export const MemberSchema = Type.Object({
  user_id: Uuid,
  email: Type.String(),
  name: Type.String(),
  role: Role,
  joined_at: DateTime,
});
export type MemberView = Static<typeof MemberSchema>;

export const InvitationSchema = Type.Object({
  invitation_id: Uuid,
  organization_id: Uuid,
  organization_name: Type.String(),
  email: Type.String(),
  role: Role,
  status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('declined'), Type.Literal('revoked')]),
  created_at: DateTime,
  expires_at: DateTime,
});
export type InvitationView = Static<typeof InvitationSchema>;

export const AuditEntrySchema = Type.Object({
  id: Uuid,
  organization_id: Uuid,
  event_id: Type.Union([Uuid, Type.Null()]),
  actor_id: Uuid,
  actor_email: Type.String(),
  action: Type.String({ description: 'e.g. organization.created, member.invited, member.role_changed, member.removed' }),
  details: Type.Record(Type.String(), Type.Unknown()),
  at: DateTime,
});

export const CreateOrganizationBody = Type.Object({ name: OrgName }, { additionalProperties: false });
export type CreateOrganizationBody = Static<typeof CreateOrganizationBody>;
export const InviteBody = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }), role: Role },
  { additionalProperties: false },
);
export type InviteBody = Static<typeof InviteBody>;
export const ChangeRoleBody = Type.Object({ role: Role }, { additionalProperties: false });
export type ChangeRoleBody = Static<typeof ChangeRoleBody>;
export const AuditQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    before: Type.Optional(
      Type.String({ format: 'date-time', description: 'Entries older than this (the `at` of the last entry of a page)' }),
    ),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

const OrgParams = Type.Object({ id: IdParam });
const MemberParams = Type.Object({ id: IdParam, userId: IdParam });
const InvitationParams = Type.Object({ id: IdParam, invitationId: IdParam });
const MyInvitationParams = Type.Object({ invitationId: IdParam });
const tags = ['organizations'];

export const createOrganizationSchema = {
  tags,
  summary: 'Create an organization; the caller becomes its owner (refresh the token to carry it)',
  security: bearer,
  body: CreateOrganizationBody,
  response: { 201: OrganizationSchema, ...errorResponses(400, 401, 404, 409, 413, 415) },
};
export const listOrganizationsSchema = {
  tags,
  summary: 'The caller’s organizations with their role, the personal one first',
  security: bearer,
  response: { 200: Type.Object({ organizations: Type.Array(OrganizationSchema) }), ...errorResponses(401) },
};
export const getOrganizationSchema = {
  tags,
  summary: 'One organization (members only)',
  security: bearer,
  params: OrgParams,
  response: { 200: OrganizationSchema, ...errorResponses(401, 404) },
};
export const renameOrganizationSchema = {
  tags,
  summary: 'Rename an organization (owner)',
  security: bearer,
  params: OrgParams,
  body: CreateOrganizationBody,
  response: { 200: OrganizationSchema, ...errorResponses(400, 401, 403, 404) },
};
export const listMembersSchema = {
  tags,
  summary: 'Members and pending invitations (members only)',
  security: bearer,
  params: OrgParams,
  response: {
    200: Type.Object({ members: Type.Array(MemberSchema), invitations: Type.Array(InvitationSchema) }),
    ...errorResponses(401, 404),
  },
};
export const inviteSchema = {
  tags,
  summary: 'Invite someone by email with a role (owner); they are emailed and accept while logged in with that address',
  security: bearer,
  params: OrgParams,
  body: InviteBody,
  response: { 201: InvitationSchema, ...errorResponses(400, 401, 403, 404, 409) },
};
export const revokeInvitationSchema = {
  tags,
  summary: 'Withdraw a pending invitation (owner)',
  security: bearer,
  params: InvitationParams,
  response: { 200: InvitationSchema, ...errorResponses(401, 403, 404, 409) },
};
export const changeRoleSchema = {
  tags,
  summary: 'Change a member’s role (owner); the last owner cannot be demoted',
  security: bearer,
  params: MemberParams,
  body: ChangeRoleBody,
  response: { 200: MemberSchema, ...errorResponses(400, 401, 403, 404, 409) },
};
export const removeMemberSchema = {
  tags,
  summary: 'Remove a member (owner), or leave (any member, yourself); the last owner cannot go',
  security: bearer,
  params: MemberParams,
  response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 409) },
};
export const auditSchema = {
  tags,
  summary: 'The audit log of the organization’s member changes, newest first (owner, manager)',
  security: bearer,
  params: OrgParams,
  querystring: AuditQuery,
  response: { 200: Type.Object({ entries: Type.Array(AuditEntrySchema) }), ...errorResponses(400, 401, 403, 404) },
};
export const myInvitationsSchema = {
  tags,
  summary: 'Pending invitations addressed to the caller’s email',
  security: bearer,
  response: { 200: Type.Object({ invitations: Type.Array(InvitationSchema) }), ...errorResponses(401) },
};
export const answerInvitationSchema = {
  tags,
  summary: 'Accept or decline an invitation addressed to the caller’s email (refresh the token afterwards)',
  security: bearer,
  params: MyInvitationParams,
  response: { 200: InvitationSchema, ...errorResponses(401, 404, 409) },
};

export const internalOwnersSchema = {
  tags: ['internal'],
  summary: 'The owners of an organization with their emails (a personal organization: its user), for other services',
  security: bearer,
  params: Type.Object({ id: IdParam }),
  response: { 200: InternalOrganizationOwners, ...errorResponses(401, 404) },
};
