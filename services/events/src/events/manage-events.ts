import { randomUUID } from 'node:crypto';
import type { UserClaims } from '@ticketing/auth';
import { createOutboxRepository, type OutboxSignal } from '@ticketing/bus';
import { eventChanges, type EventChangeKind } from '@ticketing/contracts';
import type { AuditLog, Database, Queryable } from '@ticketing/db';
import { invalidRequest } from '@ticketing/http';
import { errors } from '../errors.ts';
import type { EventAccess } from './event-access.ts';
import type { EventChanges, EventRow, EventsRepository } from './events.repository.ts';
import type { EventAuditQuery, EventView, UpdateEventBody } from './events.schemas.ts';
import { cleanText, policyColumns, salesWindow, type EventsService } from './events.service.ts';

export interface ManageEventsDeps {
  db: Database;
  repository: EventsRepository;
  events: EventsService;
  access: EventAccess;
  audit: AuditLog;
  /** Where organizer changes are announced (outbox); undefined writes none (no bus). */
  eventChangesTopic: string | undefined;
  signal?: OutboxSignal;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** The value of a field as the API shows it, to say what an edit changed. */
function shown(row: EventRow, field: keyof EventChanges): unknown {
  const v = row[field];
  return v instanceof Date ? v.toISOString() : v;
}

/** The organizer's changes of an event: edit (and reschedule), publish, and their audit log. */
export function createManageEvents(deps: ManageEventsDeps) {
  const { db, repository, events, access, audit } = deps;
  const outbox = createOutboxRepository(db);

  async function announce(
    tx: Queryable,
    type: EventChangeKind,
    user: UserClaims,
    row: EventRow,
    previousDate: Date | null,
    changed: string[],
  ) {
    if (deps.eventChangesTopic === undefined) return;
    await outbox.insert(tx, {
      id: randomUUID(),
      ...eventChanges.message({
        topic: deps.eventChangesTopic,
        key: row.id,
        value: {
          type,
          event_id: row.id,
          organization_id: row.organization_id,
          name: row.name,
          venue: row.venue,
          event_date: row.event_date.toISOString(),
          previous_event_date: iso(previousDate),
          changed,
          actor_id: user.user_id,
          timestamp: new Date().toISOString(),
        },
      }),
    });
  }

  /** After the commit: every cached copy is outdated at once, then the outbox relay is woken. */
  async function changed(id: string, user: UserClaims): Promise<EventView> {
    await events.forget(id);
    deps.signal?.notify();
    return events.getEvent(id, user);
  }

  function assertEditable(row: EventRow): void {
    if (row.status === 'cancelled' || row.cancelled_at || row.event_date.getTime() <= Date.now()) throw errors.eventNotEditable();
  }

  return {
    /**
     * Records the creation in the audit log (called in the creating transaction). An event created
     * published (the default) is announced like a draft that gets published: `event.published`.
     */
    recordCreated(user: UserClaims) {
      return async (row: EventRow, tx: Queryable) => {
        await audit.record(
          {
            organizationId: row.organization_id,
            eventId: row.id,
            actor: { id: user.user_id, email: user.email },
            action: 'event.created',
            details: { name: row.name, status: row.status },
          },
          tx,
        );
        if (row.status === 'published') await announce(tx, 'event.published', user, row, null, ['status']);
      };
    },

    async updateEvent(user: UserClaims, id: string, body: UpdateEventBody): Promise<EventView> {
      const { id: eventId } = await access.authorize(user, 'event.edit', id);
      const outcome = await db.transaction(async (tx) => {
        const row = (await repository.findById(eventId, tx, true))!;
        assertEditable(row);
        const wanted: EventChanges = {};
        if (body.name !== undefined) wanted.name = cleanText(body.name, 'name');
        if (body.description !== undefined) wanted.description = body.description.trim();
        if (body.venue !== undefined) wanted.venue = cleanText(body.venue, 'venue');
        if (body.city !== undefined) wanted.city = cleanText(body.city, 'city');
        if (body.category !== undefined) wanted.category = cleanText(body.category, 'category');
        if (body.event_date !== undefined) {
          const at = new Date(body.event_date);
          if (Number.isNaN(at.getTime())) throw invalidRequest({ event_date: 'must be an RFC 3339 date-time' });
          if (at.getTime() <= Date.now()) throw invalidRequest({ event_date: 'must be in the future' });
          wanted.event_date = at;
        }
        const window = salesWindow(
          body.sales_start === undefined ? iso(row.sales_start) : body.sales_start,
          body.sales_end === undefined ? iso(row.sales_end) : body.sales_end,
        );
        if (body.sales_start !== undefined) wanted.sales_start = window.start;
        if (body.sales_end !== undefined) wanted.sales_end = window.end;
        if (body.cancellation_policy !== undefined) Object.assign(wanted, policyColumns(body.cancellation_policy));
        if (body.waitlist_offer_ttl_seconds !== undefined) wanted.waitlist_offer_ttl_seconds = body.waitlist_offer_ttl_seconds;

        const diff: Record<string, { from: unknown; to: unknown }> = {};
        for (const field of Object.keys(wanted) as (keyof EventChanges)[]) {
          const before = shown(row, field);
          const value = wanted[field];
          const after = value instanceof Date ? value.toISOString() : value;
          if (before === after) delete wanted[field];
          else diff[field] = { from: before, to: after };
        }
        const fields = Object.keys(diff);
        if (fields.length === 0) return false;
        // A sales window set to null must reach the UPDATE as NULL, not be skipped as undefined.
        const updated = await repository.updateEvent(eventId, wanted, tx);
        const rescheduled = 'event_date' in diff;
        await audit.record(
          {
            organizationId: row.organization_id,
            eventId,
            actor: { id: user.user_id, email: user.email },
            action: rescheduled ? 'event.rescheduled' : 'event.updated',
            details: { changes: diff },
          },
          tx,
        );
        // Buyers of a draft do not exist: only a published event's changes are announced.
        if (row.status === 'published') {
          await announce(
            tx,
            rescheduled ? 'event.rescheduled' : 'event.updated',
            user,
            updated,
            rescheduled ? row.event_date : null,
            fields,
          );
        }
        return true;
      });
      return outcome ? changed(eventId, user) : events.getEvent(eventId, user);
    },

    async publishEvent(user: UserClaims, id: string): Promise<EventView> {
      const { id: eventId } = await access.authorize(user, 'event.publish', id);
      const published = await db.transaction(async (tx) => {
        const row = (await repository.findById(eventId, tx, true))!;
        if (row.status === 'published') return false;
        assertEditable(row);
        const updated = await repository.setStatus(eventId, 'published', tx);
        await audit.record(
          { organizationId: row.organization_id, eventId, actor: { id: user.user_id, email: user.email }, action: 'event.published' },
          tx,
        );
        await announce(tx, 'event.published', user, updated, null, ['status']);
        return true;
      });
      return published ? changed(eventId, user) : events.getEvent(eventId, user);
    },

    async auditLog(user: UserClaims, id: string, q: EventAuditQuery) {
      const { id: eventId } = await access.authorize(user, 'audit.read', id);
      const before = q.before === undefined ? undefined : new Date(q.before);
      if (before && Number.isNaN(before.getTime())) throw invalidRequest({ before: 'must be an RFC 3339 date-time' });
      const rows = await audit.list({ eventId, limit: q.limit, before });
      return { entries: rows.map((r) => ({ ...r, at: r.at.toISOString() })) };
    },
  };
}

export type ManageEvents = ReturnType<typeof createManageEvents>;
