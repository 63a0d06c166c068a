// What an organization role may use, as packages/auth `ORGANIZER_ACTIONS` says: the API decides
// every call; the app only hides the way to pages a role cannot use.
export type OrganizationRole = 'owner' | 'manager' | 'staff' | 'viewer';

/** `webhooks.manage`. */
export const canManageWebhooks = (role: OrganizationRole): boolean => role === 'owner' || role === 'manager';

export const webhooksPath = (organizationId: string) => `/organizations/${organizationId}/webhooks`;
