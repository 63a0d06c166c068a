// The access token lives in localStorage so a reload keeps the buyer logged in; it is sent as
// a Bearer header (never a cookie), so no CSRF exposure.
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
