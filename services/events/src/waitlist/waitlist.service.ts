import type { UserClaims } from '@ticketing/auth';
import { amountOfDecimal } from '@ticketing/contracts';
import type { Database } from '@ticketing/db';
import { invalidRequest } from '@ticketing/http';
import { errors } from '../errors.ts';
import type { EventsService } from '../events/events.service.ts';
import type { HoldsRepository } from '../holds/holds.repository.ts';
import type { HoldsService } from '../holds/holds.service.ts';
import type { WaitlistEntryRow, WaitlistRepository } from './waitlist.repository.ts';
import type { JoinWaitlistBody, WaitlistEntriesView, WaitlistEntryView } from './waitlist.schemas.ts';

export interface WaitlistServiceOptions {
  db: Database;
  repository: WaitlistRepository;
  events: Pick<EventsService, 'getPublicEventRow'>;
  holdsRepository: Pick<HoldsRepository, 'salesState'>;
  holds: Pick<HoldsService, 'releaseHold'>;
  /** Most seats one entry waits for. */
  maxQuantity: number;
  /** A join may fit seats already free (e.g. of an expired hold): the offering loop looks at once. */
  onJoined: (eventId: string) => void;
}

/** The status an entry reads as: an offer whose hold was bought is fulfilled, one that ended is expired. */
function effectiveStatus(r: WaitlistEntryRow): WaitlistEntryView['status'] {
  if (r.status !== 'offered') return r.status;
  if (r.hold_status === 'confirmed') return 'fulfilled';
  return r.hold_live ? 'offered' : 'expired';
}

export function toEntryView(r: WaitlistEntryRow): WaitlistEntryView {
  const status = effectiveStatus(r);
  return {
    entry_id: r.id,
    event_id: r.event_id,
    section: r.section,
    quantity: r.quantity,
    status,
    position: r.status === 'waiting' ? r.position : null,
    joined_at: r.joined_at.toISOString(),
    offer:
      status === 'offered' && r.hold_id !== null
        ? {
            hold_id: r.hold_id,
            seats: r.seat_labels ?? [],
            total_price: amountOfDecimal(r.total_price ?? '0'),
            currency: r.currency,
            expires_at: r.offer_expires_at!.toISOString(),
          }
        : null,
  };
}

const ENTRY_ID = /^[0-9]{1,18}$/;

/** Join, place, leave and decline (docs/waiting-list.md); the offers are made by waitlist-offers.ts. */
export function createWaitlistService(opts: WaitlistServiceOptions) {
  const { db, repository } = opts;

  /** The caller's entry on this event, or 404 (another account's entry is not found either). */
  async function ownEntry(user: UserClaims, eventId: string, entryId: string): Promise<WaitlistEntryRow> {
    const row = ENTRY_ID.test(entryId) ? await repository.findEntry(entryId) : undefined;
    if (!row || row.user_id !== user.user_id || row.event_id !== eventId.toLowerCase()) throw errors.waitlistEntryNotFound();
    return row;
  }

  /**
   * Ends an entry that is on the list, and then gives its live offer up. The entry is ended first,
   * under its row lock: the offering loop skips a locked entry and never offers to an ended one,
   * and a pass settling the released offer finds the entry ended already. An offer a booking is
   * paying for is not given up (409 hold_not_active).
   */
  async function end(user: UserClaims, row: WaitlistEntryRow, status: 'left' | 'declined'): Promise<WaitlistEntryView> {
    const offer = await db.transaction(async (tx) => {
      const locked = await repository.lockEntry(tx, row.id);
      if (!locked) throw errors.waitlistEntryNotFound();
      const current = (await repository.findEntry(row.id, tx))!;
      const live = effectiveStatus(current) === 'offered';
      if (status === 'declined' && !live) throw errors.waitlistNoOffer();
      if (live && current.hold_status === 'locked') throw errors.holdNotActive({ message: 'A booking is paying for this offer' });
      await repository.endEntry(tx, row.id, status);
      return live ? current.hold_id : null;
    });
    if (offer !== null) await opts.holds.releaseHold(user, offer, row.event_id);
    return toEntryView((await repository.findEntry(row.id))!);
  }

  return {
    async join(user: UserClaims, eventId: string, body: JoinWaitlistBody): Promise<WaitlistEntryView> {
      if (body.quantity > opts.maxQuantity) throw invalidRequest({ quantity: `must be at most ${opts.maxQuantity}` });
      const event = await opts.events.getPublicEventRow(eventId);
      let section: { section_no: number; first_seat_no: number; seat_count: number } | undefined;
      if (body.section !== undefined) {
        const named = body.section.trim().toLowerCase();
        section = event.sections.find((s) => s.name.toLowerCase() === named);
        if (!section) {
          throw invalidRequest({
            section: `this event has no section named ${JSON.stringify(body.section)} (it has ${event.sections.map((s) => s.name).join(', ')})`,
          });
        }
      }
      if ((await opts.holdsRepository.salesState(event.id)) !== 'open') throw errors.salesClosed();
      const from = section?.first_seat_no ?? 1;
      const to = section ? section.first_seat_no + section.seat_count - 1 : event.total_seats;
      const free = await repository.countFreeSeats(event.id, from, to, body.quantity);
      if (free >= body.quantity) {
        throw errors.waitlistSeatsAvailable({
          message: `${body.quantity} seats are still available${section ? ' in this section' : ''}: hold them instead of waiting`,
          details: { quantity: body.quantity },
        });
      }
      const id = await repository.insertEntry({
        eventId: event.id,
        userId: user.user_id,
        email: user.email,
        name: user.name ?? '',
        sectionNo: section?.section_no ?? null,
        quantity: body.quantity,
      });
      if (id === undefined) {
        const current = await repository.findCurrentEntry(event.id, user.user_id, section?.section_no ?? null);
        throw errors.alreadyOnWaitlist({ details: current ? { entry: toEntryView(current) } : {} });
      }
      opts.onJoined(event.id);
      return toEntryView((await repository.findEntry(id))!);
    },

    async myEntries(user: UserClaims, eventId: string): Promise<WaitlistEntriesView> {
      const event = await opts.events.getPublicEventRow(eventId);
      return { event_id: event.id, entries: (await repository.entriesOf(event.id, [user.user_id])).map(toEntryView) };
    },

    /** The entries of several accounts at once (the streams' pass). */
    async entriesOf(eventId: string, userIds: readonly string[]): Promise<Map<string, WaitlistEntriesView>> {
      const rows = await repository.entriesOf(eventId, userIds);
      const views = new Map<string, WaitlistEntriesView>(userIds.map((u) => [u, { event_id: eventId, entries: [] }]));
      for (const r of rows) views.get(r.user_id)?.entries.push(toEntryView(r));
      return views;
    },

    async leave(user: UserClaims, eventId: string, entryId: string): Promise<WaitlistEntryView> {
      const row = await ownEntry(user, eventId, entryId);
      return end(user, row, 'left');
    },

    async decline(user: UserClaims, eventId: string, entryId: string): Promise<WaitlistEntryView> {
      return end(user, await ownEntry(user, eventId, entryId), 'declined');
    },
  };
}

export type WaitlistService = ReturnType<typeof createWaitlistService>;
