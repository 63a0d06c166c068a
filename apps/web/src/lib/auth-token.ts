// The access token lives in localStorage so a reload keeps the buyer logged in; it is sent as
// a Bearer header (never a cookie), so no CSRF exposure.
import type { OrganizationRole } from './organizer-access.ts';

const KEY = 'ticketing.session';

export interface Session {
  token: string;
  expiresAt: number;
  user: { user_id: string; email: string; first_name: string; last_name: string };
}

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    return s.expiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null): void {
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
}

export function getToken(): string | null {
  return loadSession()?.token ?? null;
}

/**
 * The caller's role in an organization, read from the token's claims (`orgs`; a personal
 * organization has the user's own id; an admin may do everything). Only to decide what the
 * page offers: the server decides again on every call.
 */
export function organizationRoleOf(token: string | undefined, organizationId: string): OrganizationRole | 'admin' | undefined {
  try {
    const part = token?.split('.')[1];
    if (!part) return undefined;
    const claims = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as {
      sub?: string;
      role?: string;
      orgs?: Record<string, OrganizationRole>;
    };
    if (claims.role === 'admin') return 'admin';
    const id = organizationId.toLowerCase();
    if (claims.sub?.toLowerCase() === id) return 'owner';
    return claims.orgs?.[id];
  } catch {
    return undefined;
  }
}
