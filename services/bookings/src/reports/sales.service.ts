import type { UserClaims } from '@ticketing/auth';
import { formatCents, seatLabelRow, seatRowLabel, type InternalEventSales } from '@ticketing/contracts';
import { csvRow } from '@ticketing/http';
import { invalidRequest } from '@ticketing/http';
import type { CallContext, EventsClient } from '../clients/events-client.ts';
import { errors } from '../errors.ts';
import type { EventAccess } from '../organizer/event-access.ts';
import { REPORT_STATUSES, type SalesBookingRow, type SalesFilter, type SalesRepository } from './sales.repository.ts';
import type { SalesBooking, SalesBookingList, SalesBookingsQuery, SalesFilterQuery, SalesSummary } from './sales.schemas.ts';

export interface SalesServiceDeps {
  repository: SalesRepository;
  events: Pick<EventsClient, 'getEventSales'>;
  eventAccess: EventAccess;
}

type Section = InternalEventSales['sections'][number];

const LAYOUTS_MAX = 10_000;

const CSV_HEADER = [
  'booking_id',
  'status',
  'payment_status',
  'buyer_name',
  'buyer_email',
  'seats',
  'sections',
  'seat_count',
  'amount',
  'currency',
  'booked_at',
  'confirmed_at',
  'cancelled_at',
];

/** The sections the seats are in, in section order (a seat's row names its section). */
function sectionsOf(sections: readonly Section[], seats: readonly string[]): string[] {
  const rows = seats.map(seatLabelRow);
  return sections.filter((s) => rows.some((r) => r !== undefined && r >= s.first_row && r < s.first_row + s.row_count)).map((s) => s.name);
}

function toView(row: SalesBookingRow, sections: readonly Section[]): SalesBooking {
  return {
    booking_id: row.id,
    status: row.status,
    payment_status: row.payment_status,
    buyer_name: row.user_name,
    buyer_email: row.user_email,
    seats: row.seats,
    sections: sectionsOf(sections, row.seats),
    amount_cents: Number(row.total_cents),
    currency: row.currency,
    booked_at: row.created_at.toISOString(),
    confirmed_at: row.confirmed_at?.toISOString() ?? null,
    cancelled_at: row.cancelled_at?.toISOString() ?? null,
  };
}

/**
 * The organizer's sales report of one event (`sales.read`: owner, manager, viewer). Seats per
 * section come from the event service (one internal call, read now); bookings, buyers and money
 * from this service's own table.
 */
export function createSalesService(deps: SalesServiceDeps) {
  const { repository } = deps;
  // An event's sections never change once created: the lists and the CSV, which need only the
  // layout, reuse it instead of having the event service count every seat again.
  const layouts = new Map<string, readonly Section[]>();

  async function layout(eventId: string, ctx: CallContext): Promise<InternalEventSales> {
    const sales = await deps.events.getEventSales(eventId, ctx);
    if (!sales) throw errors.eventNotFound();
    if (layouts.size >= LAYOUTS_MAX) layouts.delete(layouts.keys().next().value!);
    layouts.set(eventId, sales.sections);
    return sales;
  }

  async function sectionsOfEvent(eventId: string, ctx: CallContext): Promise<readonly Section[]> {
    return layouts.get(eventId) ?? (await layout(eventId, ctx)).sections;
  }

  /** The query's filters, checked: an unknown section or an empty date range is a 400 naming it. */
  function filterOf(query: SalesFilterQuery, sections: readonly Section[]): SalesFilter {
    const fields: Record<string, string> = {};
    let rows: string[] | undefined;
    if (query.section !== undefined) {
      const wanted = query.section.trim().toLowerCase();
      const section = sections.find((s) => s.name.toLowerCase() === wanted);
      if (section) rows = Array.from({ length: section.row_count }, (_, i) => seatRowLabel(section.first_row + i));
      else fields.section = `is not a section of this event (its sections: ${sections.map((s) => s.name).join(', ')})`;
    }
    const from = query.from === undefined ? undefined : new Date(query.from);
    const to = query.to === undefined ? undefined : new Date(query.to);
    if (from && Number.isNaN(from.getTime())) fields.from = 'must be an RFC 3339 date-time';
    if (to && Number.isNaN(to.getTime())) fields.to = 'must be an RFC 3339 date-time';
    if (from && to && !(from.getTime() < to.getTime())) fields.to = 'must be after from';
    if (Object.keys(fields).length > 0) throw invalidRequest(fields);
    const search = query.q?.trim();
    return { status: query.status, rows, search: search ? search : undefined, from, to };
  }

  return {
    async summary(user: UserClaims, eventId: string, ctx: CallContext = {}): Promise<SalesSummary> {
      const owner = await deps.eventAccess.authorize(user, 'sales.read', eventId, ctx);
      const [sales, totals] = await Promise.all([layout(owner.event_id, ctx), repository.totals(owner.event_id)]);
      const byStatus = Object.fromEntries(REPORT_STATUSES.map((s) => [s, 0])) as SalesSummary['bookings'];
      let revenue = 0;
      let refunded = 0;
      for (const t of totals) {
        byStatus[t.status] = t.bookings;
        // Paid bookings: what was paid less what went back (a buyer's cancellation keeps its fee).
        if (t.status === 'confirmed' || t.status === 'cancelled') {
          revenue += t.cents - t.refundedCents;
          refunded += t.refundedCents;
        }
      }
      const sections = sales.sections.map((s) => ({
        name: s.name,
        price_cents: s.price_cents,
        seats: s.seats,
        sold: s.sold,
        held: s.held,
        available: s.available,
        sold_value_cents: s.sold * s.price_cents,
      }));
      const sum = (k: 'seats' | 'sold' | 'held' | 'available' | 'sold_value_cents') => sections.reduce((n, s) => n + s[k], 0);
      return {
        event_id: owner.event_id,
        currency: sales.currency,
        sections,
        totals: {
          seats: sum('seats'),
          sold: sum('sold'),
          held: sum('held'),
          available: sum('available'),
          sold_value_cents: sum('sold_value_cents'),
        },
        revenue_cents: revenue,
        refunded_cents: refunded,
        bookings: byStatus,
        generated_at: new Date().toISOString(),
      };
    },

    async bookings(user: UserClaims, eventId: string, query: SalesBookingsQuery, ctx: CallContext = {}): Promise<SalesBookingList> {
      const owner = await deps.eventAccess.authorize(user, 'sales.read', eventId, ctx);
      const sections = await sectionsOfEvent(owner.event_id, ctx);
      const { rows, total } = await repository.list(owner.event_id, filterOf(query, sections), query);
      return {
        bookings: rows.map((r) => toView(r, sections)),
        pagination: { total, limit: query.limit, offset: query.offset, has_more: query.offset + rows.length < total },
      };
    },

    /**
     * The filtered bookings as CSV lines (header first), produced while they are sent. The
     * caller is authorized and the filter checked before the first line, so a refusal is still
     * an ordinary error answer.
     */
    async csv(
      user: UserClaims,
      eventId: string,
      query: SalesFilterQuery,
      ctx: CallContext = {},
    ): Promise<{ eventId: string; lines: AsyncIterable<string> }> {
      const owner = await deps.eventAccess.authorize(user, 'sales.read', eventId, ctx);
      const sections = await sectionsOfEvent(owner.event_id, ctx);
      const filter = filterOf(query, sections);
      async function* lines(): AsyncGenerator<string> {
        yield csvRow(CSV_HEADER);
        let chunk = '';
        for await (const row of repository.each(owner.event_id, filter)) {
          const v = toView(row, sections);
          chunk += csvRow([
            v.booking_id,
            v.status,
            v.payment_status,
            v.buyer_name,
            v.buyer_email,
            v.seats.join(' '),
            v.sections.join('; '),
            v.seats.length,
            formatCents(v.amount_cents),
            v.currency,
            v.booked_at,
            v.confirmed_at,
            v.cancelled_at,
          ]);
          // A few KB per write rather than one per booking.
          if (chunk.length >= 16_384) {
            yield chunk;
            chunk = '';
          }
        }
        if (chunk) yield chunk;
      }
      return { eventId: owner.event_id, lines: lines() };
    },
  };
}

export type SalesService = ReturnType<typeof createSalesService>;
