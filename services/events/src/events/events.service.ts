import { createHash, randomUUID } from 'node:crypto';
import type { UserClaims } from '@ticketing/auth';
import { amountOfDecimal, formatCents, isSupportedCurrency, toCents } from '@ticketing/contracts';
import { invalidRequest, isUuid } from '@ticketing/http';
import { errors, type EventsError } from '../errors.ts';
import { layOutSections, singleSection, type Section } from '../seats/seat-layout.ts';
import type { EventCache } from './event-cache.ts';
import type { EventFilters, EventRow, EventsRepository, SeatCounts } from './events.repository.ts';
import type { CreateEventBody, EventListView, EventView, ListQuery, SectionView } from './events.schemas.ts';

export interface EventsServiceOptions {
  repository: EventsRepository;
  cache: EventCache;
  defaultHoldTtlSeconds: number;
  /** Currency of an event created without one. */
  defaultCurrency: string;
}

export const DEFAULT_SEATS_PER_ROW = 500;
const MAX_TEXT = 200;
// Events never change after creation; a bounded in-process copy spares the hot path a round trip.
const LOCAL_EVENTS_MAX = 10_000;

export function eventNotFound(): EventsError {
  return errors.eventNotFound();
}

function invalid(field: string, problem: string): EventsError {
  return invalidRequest({ [field]: problem });
}

function cleanText(value: string, field: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_TEXT) throw invalid(field, `must be 1 to ${MAX_TEXT} characters`);
  return trimmed;
}

// Ten whole digits, as the route's schema says.
const MAX_PRICE_CENTS = 999_999_999_999;

/** The price as exact decimal text; a JSON number with more than two decimals (10.005) is refused. */
function priceText(price: number, field = 'price_per_seat'): string {
  const cents = toCents(price);
  if (cents === undefined || cents <= 0 || cents > MAX_PRICE_CENTS)
    throw invalid(field, 'must be greater than 0 with at most two decimals');
  return formatCents(cents);
}

function currencyOf(code: string): string {
  if (!isSupportedCurrency(code)) {
    throw invalid('currency', 'must be the ISO 4217 code of a currency with two decimals, such as USD, EUR or GBP');
  }
  return code;
}

export const MAX_SEATS = 100_000;
const MAX_SECTION_NAME = 100;

/**
 * The layout asked for: named sections, or (the single-price form) total_seats at
 * price_per_seat as one section. One form or the other, never a mix.
 */
function sectionsOf(body: CreateEventBody): Section[] {
  if (body.sections === undefined) {
    if (body.total_seats === undefined) throw invalid('total_seats', 'is required (or give sections)');
    if (body.price_per_seat === undefined) throw invalid('price_per_seat', 'is required (or give sections)');
    return [singleSection(body.total_seats, body.seats_per_row ?? DEFAULT_SEATS_PER_ROW, priceText(body.price_per_seat))];
  }
  for (const field of ['total_seats', 'price_per_seat', 'seats_per_row'] as const) {
    if (body[field] !== undefined) throw invalid(field, 'must not be given with sections (each section has its own)');
  }
  const seen = new Set<string>();
  const plans = body.sections.map((s, i) => {
    const name = s.name.trim();
    if (name.length === 0 || name.length > MAX_SECTION_NAME)
      throw invalid(`sections[${i}].name`, `must be 1 to ${MAX_SECTION_NAME} characters`);
    if (seen.has(name.toLowerCase())) throw invalid(`sections[${i}].name`, `repeats the section name "${name}"`);
    seen.add(name.toLowerCase());
    return { name, rows: s.rows, seats_per_row: s.seats_per_row, price: priceText(s.price, `sections[${i}].price`) };
  });
  const total = plans.reduce((n, p) => n + p.rows * p.seats_per_row, 0);
  if (total > MAX_SEATS)
    throw invalid('sections', `must have at most ${MAX_SEATS.toLocaleString('en')} seats in all (these have ${total})`);
  return layOutSections(plans);
}

export function toSectionView(s: Section): SectionView {
  return {
    name: s.name,
    price: amountOfDecimal(s.price),
    first_seat_no: s.first_seat_no,
    seat_count: s.seat_count,
    first_row: s.first_row,
    rows: s.row_count,
    seats_per_row: s.seats_per_row,
  };
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A list bound: a whole day (YYYY-MM-DD, UTC) or an exact RFC 3339 instant. */
function parseBound(value: string, field: string): { start: Date; nextDay?: Date } {
  if (DAY.test(value)) {
    const start = new Date(`${value}T00:00:00.000Z`);
    if (Number.isNaN(start.getTime()) || start.toISOString().slice(0, 10) !== value) throw invalid(field, 'is not a real date');
    return { start, nextDay: new Date(start.getTime() + 86_400_000) };
  }
  const at = Date.parse(value);
  if (!RFC3339.test(value) || Number.isNaN(at)) throw invalid(field, 'must be YYYY-MM-DD or an RFC 3339 date-time');
  return { start: new Date(at) };
}

export function toEventView(row: EventRow, counts: SeatCounts): EventView {
  return {
    event_id: row.id,
    name: row.name,
    description: row.description,
    venue: row.venue,
    city: row.city,
    category: row.category,
    event_date: row.event_date.toISOString(),
    total_seats: row.total_seats,
    available_seats: Math.max(0, counts.total - counts.held - counts.booked),
    // numeric(12,2) text → a JSON number with at most two decimals, only at the edge.
    price_per_seat: amountOfDecimal(row.price_per_seat),
    // Copies cached before currencies existed have none: they were in the one default.
    currency: row.currency ?? 'USD',
    sections: row.sections.map(toSectionView),
    created_at: row.created_at.toISOString(),
    created_by: row.created_by,
    cancelled_at: row.cancelled_at ? row.cancelled_at.toISOString() : null,
  };
}

type StoredEvent = Omit<EventRow, 'event_date' | 'created_at' | 'cancelled_at'> & {
  event_date: string;
  created_at: string;
  cancelled_at?: string | null;
};

function revive(e: StoredEvent): EventRow {
  return {
    ...e,
    event_date: new Date(e.event_date),
    created_at: new Date(e.created_at),
    cancelled_at: e.cancelled_at ? new Date(e.cancelled_at) : null,
  };
}

export function createEventsService(opts: EventsServiceOptions) {
  const { repository, cache } = opts;
  const local = new Map<string, EventRow>();

  function remember(row: EventRow): void {
    if (local.size >= LOCAL_EVENTS_MAX) local.delete(local.keys().next().value!);
    local.set(row.id, row);
  }

  async function findEvent(id: string): Promise<EventRow | undefined> {
    if (!isUuid(id)) return undefined;
    const key = id.toLowerCase();
    const known = local.get(key);
    if (known) return known;
    const stored = await cache.getEvent<StoredEvent>(key);
    // A copy cached before sections existed lacks the layout: read the event again.
    if (stored?.sections) {
      const row = revive(stored);
      remember(row);
      return row;
    }
    const row = await repository.findById(key);
    if (row) {
      remember(row);
      await cache.setEvent(key, row);
    }
    return row;
  }

  /** Live counts, from the cache when it holds a value read since the last change and before any hold expired. */
  async function countsOf(ids: readonly string[]): Promise<Map<string, SeatCounts>> {
    const out = new Map<string, SeatCounts>();
    const slots = await Promise.all(ids.map(async (id) => [id, await cache.counts<SeatCounts>(id)] as const));
    const missing = slots.filter(([, s]) => s.value === undefined);
    for (const [id, s] of slots) if (s.value !== undefined) out.set(id, s.value);
    if (missing.length > 0) {
      const fresh = await repository.seatCounts(missing.map(([id]) => id));
      await Promise.all(
        missing.map(async ([id, s]) => {
          const row = fresh.get(id);
          if (!row) return;
          const counts = { total: row.total, held: row.held, booked: row.booked };
          out.set(id, counts);
          await s.store(counts, row.next_expiry);
        }),
      );
    }
    return out;
  }

  return {
    findEvent,

    /** Reads the event again after a change (cancellation) and replaces this process's and the shared cached copy. */
    async refreshEvent(id: string): Promise<EventRow | undefined> {
      const key = id.toLowerCase();
      local.delete(key);
      const row = await repository.findById(key);
      if (row) {
        remember(row);
        await Promise.all([cache.setEvent(key, row), cache.invalidateLists()]);
      }
      return row;
    },

    /** The event's fixed fields (layout, price, hold TTL); throws event_not_found. */
    async getEventRow(id: string): Promise<EventRow> {
      const row = await findEvent(id);
      if (!row) throw eventNotFound();
      return row;
    },

    async counts(id: string): Promise<SeatCounts> {
      const counts = (await countsOf([id])).get(id);
      if (!counts) throw eventNotFound();
      return counts;
    },

    async createEvent(user: UserClaims, body: CreateEventBody): Promise<EventView> {
      const eventDate = new Date(body.event_date);
      if (Number.isNaN(eventDate.getTime())) throw invalid('event_date', 'must be an RFC 3339 date-time');
      if (eventDate.getTime() <= Date.now()) throw invalid('event_date', 'must be in the future');
      const sections = sectionsOf(body);
      const row = await repository.insertEventWithSeats({
        id: randomUUID(),
        name: cleanText(body.name, 'name'),
        description: (body.description ?? '').trim(),
        venue: cleanText(body.venue, 'venue'),
        city: cleanText(body.city, 'city'),
        category: cleanText(body.category, 'category'),
        event_date: eventDate,
        total_seats: sections.reduce((n, s) => n + s.seat_count, 0),
        seats_per_row: Math.max(...sections.map((s) => s.seats_per_row)),
        // The "from" price of lists and cards: the cheapest section.
        price_per_seat: formatCents(Math.min(...sections.map((s) => toCents(s.price)!))),
        sections,
        hold_ttl_seconds: body.hold_ttl_seconds ?? opts.defaultHoldTtlSeconds,
        currency: currencyOf(body.currency ?? opts.defaultCurrency),
        created_by: user.user_id,
      });
      remember(row);
      await Promise.all([cache.setEvent(row.id, row), cache.invalidateLists()]);
      return toEventView(row, { total: row.total_seats, held: 0, booked: 0 });
    },

    async getEvent(id: string): Promise<EventView> {
      const row = await findEvent(id);
      if (!row) throw eventNotFound();
      return toEventView(row, (await countsOf([row.id])).get(row.id)!);
    },

    async listEvents(q: ListQuery): Promise<EventListView> {
      const filters: EventFilters = {
        city: q.city,
        name: q.name,
        category: q.category,
        createdBy: q.created_by,
        limit: q.limit,
        offset: q.offset,
      };
      if (q.date_from !== undefined) filters.from = parseBound(q.date_from, 'date_from').start;
      if (q.date_to !== undefined) {
        const to = parseBound(q.date_to, 'date_to');
        if (filters.from && filters.from.getTime() > to.start.getTime()) throw invalid('date_to', 'must not be before date_from');
        filters.to = to.nextDay ?? to.start;
        filters.toExclusive = to.nextDay !== undefined;
      }

      const key = createHash('sha1').update(JSON.stringify(filters)).digest('hex');
      const cached = await cache.listPage<{ rows: StoredEvent[]; total: number }>(key);
      let page: { rows: EventRow[]; total: number };
      if (cached.value?.rows.every((r) => r.sections)) {
        page = { rows: cached.value.rows.map(revive), total: cached.value.total };
      } else {
        page = await repository.list(filters);
        await cached.store(page as unknown as { rows: StoredEvent[]; total: number });
      }
      // Pages hold only fixed fields; seat counts come live (or from their own exact cache).
      const counts = await countsOf(page.rows.map((r) => r.id));
      return {
        events: page.rows.map((r) => toEventView(r, counts.get(r.id) ?? { total: r.total_seats, held: 0, booked: 0 })),
        pagination: { total: page.total, limit: q.limit, offset: q.offset, has_more: q.offset + page.rows.length < page.total },
      };
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
