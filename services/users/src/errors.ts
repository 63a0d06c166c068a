import { commonErrorSpecs, defineErrors, type DomainError } from '@ticketing/errors';

/** Every error the user service answers with: code, HTTP status, message (docs/errors.md). */
export const usersCatalog = defineErrors({
  ...commonErrorSpecs,
  email_taken: { status: 409, message: 'An account with this email already exists' },
  authentication_failed: { status: 401, message: 'Invalid email or password' },
  invalid_current_password: { status: 403, message: 'The current password is not correct' },
  user_not_found: { status: 404, message: 'User not found' },
  link_invalid: { status: 400, message: 'This link is not valid or has already been used; ask for a new one' },
  link_expired: { status: 400, message: 'This link has expired; ask for a new one' },
  organization_not_found: { status: 404, message: 'Organization not found' },
  member_not_found: { status: 404, message: 'This user is not a member of the organization' },
  invitation_not_found: { status: 404, message: 'Invitation not found' },
  invitation_pending: { status: 409, message: 'This address already has a pending invitation to the organization' },
  invitation_not_pending: { status: 409, message: 'The invitation was already accepted, declined or withdrawn' },
  invitation_expired: { status: 409, message: 'The invitation has expired; ask for a new one' },
  already_member: { status: 409, message: 'This person is already a member of the organization' },
  last_owner: { status: 409, message: 'An organization needs at least one owner: make someone else owner first' },
  membership_limit_reached: { status: 409, message: 'A user can belong to at most 50 organizations' },
});

export const errors = usersCatalog.errors;
export const usersErrorStatus = usersCatalog.statuses;
export type UsersErrorCode = keyof typeof usersCatalog.specs;
export type UsersError = DomainError<UsersErrorCode>;
