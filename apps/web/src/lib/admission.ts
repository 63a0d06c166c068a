// The waiting room's admission token of an event, kept for this tab (sessionStorage) between the
// queue page that receives it and the seat map that sends it with the hold.
const key = (eventId: string) => `ticketing.admission.${eventId}`;

export function saveAdmission(eventId: string, token: string, expiresAt: string): void {
  sessionStorage.setItem(key(eventId), JSON.stringify({ token, expiresAt }));
}

/** The unexpired admission token for the event, if this tab has one. */
export function admissionFor(eventId: string): string | undefined {
  try {
    const raw = sessionStorage.getItem(key(eventId));
    if (!raw) return undefined;
    const a = JSON.parse(raw) as { token: string; expiresAt: string };
    if (Date.parse(a.expiresAt) > Date.now()) return a.token;
    sessionStorage.removeItem(key(eventId));
  } catch {
    // unreadable: as if none
  }
  return undefined;
}

export function clearAdmission(eventId: string): void {
  sessionStorage.removeItem(key(eventId));
}
