/**
 * Where the free seats of a section start, as the last best-available batch found them, so that
 * the next picks do not read the sold front rows of a hot event again (each read row costs; a
 * 10,000-seat on-sale read ~5,000 sold seats per pick, and every seat for every refusal once it
 * was sold out).
 *
 * A hint is only a place to start reading: the database still decides every pick under its
 * locks, so a wrong hint can never give a seat twice. It can only skip seats freed before it,
 * and two things bound that: `forget(eventId)` when this process sees seats of the event come
 * back, and a short lifetime for the seats another instance freed (or an expired hold the sweeper
 * has not released yet). A section with no free seat is remembered as such for that lifetime, so
 * refusals in a sold-out section read nothing.
 */
export interface ScanHints {
  /** The first seat number worth reading in seats from..to of the event, or null (read from `from`). */
  startOf(eventId: string, from: number, to: number): number | null;
  /**
   * What a batch found: the first free seat (greater than `to` when none was free). A batch that
   * started from a hint (`fromHint`) moves the hint on but does not renew its lifetime: only a read
   * from the section's first seat does, so seats freed elsewhere are found within one lifetime.
   */
  learn(eventId: string, from: number, to: number, firstFree: number, fromHint: boolean): void;
  /** Seats of the event came back: read its sections from their first seat again. */
  forget(eventId: string): void;
}

export function createScanHints(opts: { ttlMs?: number; maxEvents?: number; now?: () => number } = {}): ScanHints {
  const ttlMs = opts.ttlMs ?? 1_000;
  const maxEvents = opts.maxEvents ?? 10_000;
  const now = opts.now ?? Date.now;
  const byEvent = new Map<string, Map<string, { start: number; at: number }>>();
  const key = (from: number, to: number) => `${from}:${to}`;
  return {
    startOf(eventId, from, to) {
      const hint = byEvent.get(eventId)?.get(key(from, to));
      if (hint === undefined || now() - hint.at > ttlMs) return null;
      return hint.start;
    },
    learn(eventId, from, to, firstFree, fromHint) {
      let sections = byEvent.get(eventId);
      if (sections === undefined) {
        // Hints only matter for events on sale right now: dropping them all costs one full read each.
        if (byEvent.size >= maxEvents) byEvent.clear();
        sections = new Map();
        byEvent.set(eventId, sections);
      }
      const previous = sections.get(key(from, to));
      if (fromHint && previous === undefined) return; // forgotten meanwhile: the next batch reads it all
      sections.set(key(from, to), { start: firstFree, at: fromHint ? previous!.at : now() });
    },
    forget(eventId) {
      byEvent.delete(eventId);
    },
  };
}
