/**
 * Organizer authorization, decided locally from the token (docs/users.md#organizations-and-roles).
 * The users service writes the caller's memberships into the `orgs` claim; every service decides
 * with `decideOrganizerAccess`, never by calling the users service.
 */

export const ORG_ROLES = ['owner', 'manager', 'staff', 'viewer'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

/** The `orgs` claim: organization id → the caller's role in it. */
export type OrgClaims = Readonly<Record<string, OrgRole>>;

/**
 * What an organizer may do, and which roles may do it. Event actions are decided against the
 * event's organization; organization actions against the organization itself.
 */
export const ORGANIZER_ACTIONS = {
  /** See a draft, the editor, its settings. */
  'event.view': ['owner', 'manager', 'staff', 'viewer'],
  'event.create': ['owner', 'manager'],
  /** Details, sales window, reschedule. */
  'event.edit': ['owner', 'manager'],
  'event.publish': ['owner', 'manager'],
  'event.cancel': ['owner', 'manager'],
  /** Waiting room switch and settings. */
  'event.manage_queue': ['owner', 'manager'],
  /** Sales reports, bookings with buyers, CSV. */
  'sales.read': ['owner', 'manager', 'viewer'],
  /** Refund a booking as the organizer. */
  'booking.refund': ['owner', 'manager'],
  /** Scan tickets at the door. */
  'checkin.scan': ['owner', 'manager', 'staff'],
  /** Check-in counters per gate and live attendance (read only): the gates and those who read sales. */
  'checkin.read': ['owner', 'manager', 'staff', 'viewer'],
  /** The audit log of organizer actions. */
  'audit.read': ['owner', 'manager'],
  /** Outgoing webhook endpoints of the organization. */
  'webhooks.manage': ['owner', 'manager'],
  /** Invite, change roles, remove members, rename the organization. */
  'members.manage': ['owner'],
  /** See the organization and its member list. */
  'organization.view': ['owner', 'manager', 'staff', 'viewer'],
} as const satisfies Record<string, readonly OrgRole[]>;

export type OrganizerAction = keyof typeof ORGANIZER_ACTIONS;

/** `not_member` answers 404 (the organization's things do not exist for an outsider), `forbidden` 403. */
export type OrganizerDecision = 'allowed' | 'not_member' | 'forbidden';

/** The minimal claims the decision reads (a verified user token has them). */
export interface OrganizerSubject {
  sub: string;
  role: 'user' | 'admin';
  orgs?: OrgClaims | undefined;
}

/**
 * The caller's role in an organization. A user's personal organization has the user's own id:
 * every user owns it without a membership row (events created before organizations existed
 * belong to their creator's personal organization).
 */
export function roleIn(subject: OrganizerSubject, organizationId: string): OrgRole | undefined {
  const id = organizationId.toLowerCase();
  if (id === subject.sub.toLowerCase()) return 'owner';
  return subject.orgs?.[id];
}

/** May this caller do `action` in this organization? Platform admins may do everything. */
export function decideOrganizerAccess(subject: OrganizerSubject, action: OrganizerAction, organizationId: string): OrganizerDecision {
  if (subject.role === 'admin') return 'allowed';
  const role = roleIn(subject, organizationId);
  if (role === undefined) return 'not_member';
  return (ORGANIZER_ACTIONS[action] as readonly OrgRole[]).includes(role) ? 'allowed' : 'forbidden';
}

export function isOrgRole(value: unknown): value is OrgRole {
  return typeof value === 'string' && (ORG_ROLES as readonly string[]).includes(value);
}

/** Most organizations one token carries; the users service refuses memberships past it. */
export const MAX_ORGS_PER_TOKEN = 50;
