import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from './formats.ts';
import { compile } from './validate.ts';

/**
 * `GET /internal/organizations/{id}/owners` (users service, internal token): who to tell about
 * something that concerns an organization as a whole (the notification service emails them when
 * one of its webhook endpoints is disabled). A personal organization's owner is its user.
 */
export const InternalOrganizationOwners = Type.Object({
  organization_id: Uuid(),
  owners: Type.Array(Type.Object({ user_id: Uuid(), email: Type.String(), name: Type.String() })),
});
export type InternalOrganizationOwners = Static<typeof InternalOrganizationOwners>;
export const internalOrganizationOwners = compile(InternalOrganizationOwners);
