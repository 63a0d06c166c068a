// What an organization role may use, as packages/auth `ORGANIZER_ACTIONS` says: the API decides
// every call; the app only hides the way to pages a role cannot use.
export type OrganizationRole = 'owner' | 'manager' | 'staff' | 'viewer';

/** `event.edit` and `booking.refund`: the event's policies and the organizer's refund. An admin may too. */
export const canManageSales = (role: OrganizationRole | 'admin' | undefined): boolean =>
  role === 'owner' || role === 'manager' || role === 'admin';

/** `webhooks.manage`. */
export const canManageWebhooks = (role: OrganizationRole): boolean => role === 'owner' || role === 'manager';

export const webhooksPath = (organizationId: string) => `/organizations/${organizationId}/webhooks`;
