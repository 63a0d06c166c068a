import { createHash, randomUUID } from 'node:crypto';
import { decideOrganizerAccess, type UserClaims } from '@ticketing/auth';
import { amountOfDecimal, formatCents, isSupportedCurrency, toCents } from '@ticketing/contracts';
import type { Database, Queryable } from '@ticketing/db';
import { invalidRequest, isUuid } from '@ticketing/http';
import { errors, type EventsError } from '../errors.ts';
import { layOutSections, singleSection, type Section } from '../seats/seat-layout.ts';
import type { EventCache } from './event-cache.ts';
import type { EventFilters, EventRow, EventsRepository, SeatCounts } from './events.repository.ts';
import type { CreateEventBody, EventListView, EventView, ListQuery, SectionView } from './events.schemas.ts';

export interface EventsServiceOptions {
  db: Database;
  repository: EventsRepository;
  cache: EventCache;
  defaultHoldTtlSeconds: number;
  /** Currency of an event created without one. */
  defaultCurrency: string;
  /** How long an in-process copy of an event may be reused without asking Redis (seconds). */
  localTtlSeconds: number;
}

export const DEFAULT_SEATS_PER_ROW = 500;
const MAX_TEXT = 200;
// A bounded in-process copy spares the hold path a round trip: it reads only the fields that
// never change (layout, price, hold TTL, organization); what can change is decided in SQL.
const LOCAL_EVENTS_MAX = 10_000;

export function eventNotFound(): EventsError {
  return errors.eventNotFound();
}

function invalid(field: string, problem: string): EventsError {
  return invalidRequest({ [field]: problem });
}

export function cleanText(value: string, field: string): string {
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

/** The status a person sees: stored status, sales window and the clock together. */
export function displayStatus(row: EventRow, now = Date.now()): EventView['status'] {
  // The cancellation process marks cancelled_at (POST /api/events/{id}/cancel).
  if (row.cancelled_at) return 'cancelled';
  if (row.status !== 'published') return row.status;
  const end = Math.min(row.sales_end?.getTime() ?? Infinity, row.event_date.getTime());
  if (now >= end) return 'ended';
  if (row.sales_start !== null && now < row.sales_start.getTime()) return 'published';
  return 'on_sale';
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
    organization_id: row.organization_id,
    status: displayStatus(row),
    sales_start: row.sales_start?.toISOString() ?? null,
    sales_end: row.sales_end?.toISOString() ?? null,
    cancellation_policy: cancellationPolicyOf(row),
    // Copies cached before the setting existed have none: the default applies.
    waitlist_offer_ttl_seconds: row.waitlist_offer_ttl_seconds ?? null,
  };
}

/** The policy as the API shows it; copies cached before policies existed have none (null). */
export function cancellationPolicyOf(
  row: Pick<EventRow, 'cancellation_hours' | 'cancellation_fee_percent'>,
): EventView['cancellation_policy'] {
  if (row.cancellation_hours === null || row.cancellation_hours === undefined) return null;
  return { hours_before_start: row.cancellation_hours, fee_percent: amountOfDecimal(row.cancellation_fee_percent ?? '0') };
}

/** A policy from the API as the two columns; a fee with more than two decimals is refused. */
export function policyColumns(policy: EventView['cancellation_policy']): Pick<EventRow, 'cancellation_hours' | 'cancellation_fee_percent'> {
  if (policy === null) return { cancellation_hours: null, cancellation_fee_percent: '0.00' };
  const hundredths = toCents(policy.fee_percent);
  if (hundredths === undefined || hundredths < 0 || hundredths > 10_000) {
    throw invalid('cancellation_policy.fee_percent', 'must be 0 to 100 with at most two decimals');
  }
  return { cancellation_hours: policy.hours_before_start, cancellation_fee_percent: formatCents(hundredths) };
}

type Instant = 'event_date' | 'created_at' | 'updated_at' | 'sales_start' | 'sales_end' | 'published_at' | 'cancelled_at';
type StoredEvent = Omit<EventRow, Instant> & Record<Instant, string | null>;

const date = (v: string | null): Date | null => (v === null ? null : new Date(v));

function revive(e: StoredEvent): EventRow {
  return {
    ...e,
    event_date: new Date(e.event_date!),
    created_at: new Date(e.created_at!),
    updated_at: new Date(e.updated_at!),
    sales_start: date(e.sales_start),
    sales_end: date(e.sales_end),
    published_at: date(e.published_at),
    cancelled_at: date(e.cancelled_at ?? null),
  };
}

/** May this caller see the event (drafts only for their organization)? */
function visibleTo(row: EventRow, user: UserClaims | undefined): boolean {
  if (row.status !== 'draft') return true;
  return user !== undefined && decideOrganizerAccess(user, 'event.view', row.organization_id) === 'allowed';
}

/** A sales window: either end may be open (null); start must come before end. */
export function salesWindow(start: string | null, end: string | null): { start: Date | null; end: Date | null } {
  const s = start === null ? null : new Date(start);
  const e = end === null ? null : new Date(end);
  if (s && Number.isNaN(s.getTime())) throw invalid('sales_start', 'must be an RFC 3339 date-time');
  if (e && Number.isNaN(e.getTime())) throw invalid('sales_end', 'must be an RFC 3339 date-time');
  if (s && e && s.getTime() >= e.getTime()) throw invalid('sales_end', 'must be after sales_start');
  return { start: s, end: e };
}

export function createEventsService(opts: EventsServiceOptions) {
  const { repository, cache, db } = opts;
  const local = new Map<string, { row: EventRow; version: string | undefined; at: number }>();
  const localTtlMs = opts.localTtlSeconds * 1000;

  function remember(row: EventRow, version: string | undefined): void {
    if (local.size >= LOCAL_EVENTS_MAX) local.delete(local.keys().next().value!);
    local.set(row.id, { row, version, at: Date.now() });
  }

  /**
   * The hold path's read: the in-process copy when there is one. Only its fixed fields may be
   * trusted (layout, price, hold TTL, organization): status, dates and sales window are decided
   * by the hold statement from the table itself.
   */
  async function findEvent(id: string): Promise<EventRow | undefined> {
    if (!isUuid(id)) return undefined;
    const known = local.get(id.toLowerCase());
    if (known) return known.row;
    return findCurrentEvent(id);
  }

  /**
   * The event as it is now, for everything a person reads: the in-process copy only if it was
   * read at the current details version (one Redis round trip), else Redis at that version, else
   * PostgreSQL. An edit bumps the version, so no copy from before it is served after it, in any
   * process. With Redis unreachable, PostgreSQL alone answers.
   */
  async function findCurrentEvent(id: string): Promise<EventRow | undefined> {
    if (!isUuid(id)) return undefined;
    const key = id.toLowerCase();
    const known = local.get(key);
    const version = await cache.detailsVersion(key);
    if (known && version !== undefined && known.version === version && Date.now() - known.at < localTtlMs) return known.row;
    if (version !== undefined) {
      const stored = await cache.getEvent<StoredEvent>(key);
      // A copy cached before sections existed lacks the layout: read the event again.
      if (stored.value?.sections && stored.version === version) {
        const row = revive(stored.value);
        remember(row, version);
        return row;
      }
    }
    const row = await repository.findById(key);
    if (row) {
      remember(row, version);
      await cache.setEvent(key, version, row);
    }
    return row;
  }

  /** After an edit: this process's copy is dropped and every other copy is outdated by the version bump. */
  async function forget(id: string): Promise<void> {
    local.delete(id);
    await Promise.all([cache.invalidateEvent(id), cache.invalidateLists()]);
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
    findCurrentEvent,
    forget,
    remember,

    /** Reads the event again after a change (cancellation): every cached copy is outdated at once. */
    async refreshEvent(id: string): Promise<EventRow | undefined> {
      const key = id.toLowerCase();
      await forget(key);
      return findCurrentEvent(key);
    },

    /** The event's fixed fields (layout, price, hold TTL, organization); throws event_not_found. */
    async getEventRow(id: string): Promise<EventRow> {
      const row = await findEvent(id);
      if (!row) throw eventNotFound();
      return row;
    },

    /** The event as buyers see it now (seat map, stream): a draft is not found. */
    async getPublicEventRow(id: string): Promise<EventRow> {
      const row = await findCurrentEvent(id);
      if (!row || row.status === 'draft') throw eventNotFound();
      return row;
    },

    async counts(id: string): Promise<SeatCounts> {
      const counts = (await countsOf([id])).get(id);
      if (!counts) throw eventNotFound();
      return counts;
    },

    async createEvent(
      user: UserClaims,
      body: CreateEventBody,
      record: (row: EventRow, tx: Queryable) => Promise<void>,
    ): Promise<EventView> {
      const organizationId = (body.organization_id ?? user.user_id).toLowerCase();
      const decision = decideOrganizerAccess(user, 'event.create', organizationId);
      if (decision === 'not_member') throw errors.organizationNotFound();
      if (decision === 'forbidden')
        throw errors.forbidden({ message: 'Only owners and managers of the organization can create its events' });
      const eventDate = new Date(body.event_date);
      if (Number.isNaN(eventDate.getTime())) throw invalid('event_date', 'must be an RFC 3339 date-time');
      if (eventDate.getTime() <= Date.now()) throw invalid('event_date', 'must be in the future');
      const sections = sectionsOf(body);
      const window = salesWindow(body.sales_start ?? null, body.sales_end ?? null);
      const row = await db.transaction(async (tx) => {
        const inserted = await repository.insertEventWithSeats(
          {
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
            organization_id: organizationId,
            status: body.status ?? 'published',
            sales_start: window.start,
            sales_end: window.end,
            ...policyColumns(body.cancellation_policy ?? null),
            waitlist_offer_ttl_seconds: body.waitlist_offer_ttl_seconds ?? null,
          },
          tx,
        );
        await record(inserted, tx);
        return inserted;
      });
      await cache.invalidateLists();
      return toEventView(row, { total: row.total_seats, held: 0, booked: 0 });
    },

    /** One event; a draft only for a caller of its organization. */
    async getEvent(id: string, user?: UserClaims): Promise<EventView> {
      const row = await findCurrentEvent(id);
      if (!row || !visibleTo(row, user)) throw eventNotFound();
      return toEventView(row, (await countsOf([row.id])).get(row.id)!);
    },

    async listEvents(q: ListQuery, user?: UserClaims): Promise<EventListView> {
      const organizationId = q.organization_id?.toLowerCase();
      const filters: EventFilters = {
        city: q.city,
        name: q.name,
        category: q.category,
        createdBy: q.created_by,
        organizationId,
        includeDrafts:
          organizationId !== undefined && user !== undefined && decideOrganizerAccess(user, 'event.view', organizationId) === 'allowed',
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
