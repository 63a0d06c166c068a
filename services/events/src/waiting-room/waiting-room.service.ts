import { randomInt, randomUUID } from 'node:crypto';
import type { UserClaims } from '@ticketing/auth';
import { invalidRequest, type Logger } from '@ticketing/http';
import { errors, type EventsError } from '../errors.ts';
import type { EventAccess } from '../events/event-access.ts';
import type { EventsService } from '../events/events.service.ts';
import type { AdmissionTokens } from './admission-tokens.ts';
import { initialAdmitRate, nextAdmitRate, type AdaptiveRateOptions, type CapacityMeter } from './capacity.ts';
import type { QueuePlace, QueueStore } from './queue-store.ts';
import type { WaitingRoomRepository, WaitingRoomRow } from './waiting-room.repository.ts';
import type { QueueStatusView, WaitingRoomBody, WaitingRoomStatsView, WaitingRoomView } from './waiting-room.schemas.ts';

export interface WaitingRoomServiceDeps {
  repository: WaitingRoomRepository;
  store: QueueStore;
  tokens: AdmissionTokens;
  events: Pick<EventsService, 'getEventRow' | 'counts'>;
  /** The organizer check (`event.manage_queue`). */
  access: EventAccess;
  logger: Logger;
  /** How long a room's settings are reused by the hold check before being read again. */
  settingsCacheMs: number;
  /** Most buyers admitted by one pass of one room. */
  maxBatch: number;
  /** The queue's data is kept this long after the last join. */
  retentionSeconds: number;
  /** A waiting buyer's stream shows a new place at most this often (status changes at once). */
  streamRefreshMs: number;
  /** What adaptive rooms follow: this process's latency for the work admitted buyers cause. */
  capacity: Pick<CapacityMeter, 'take'>;
  /** Adaptive rooms: the target latency, the lowest rate, and how often the rate is adjusted. */
  adaptive: AdaptiveRateOptions & { intervalMs: number };
  now?: () => number;
}

const RETRY_AFTER_SECONDS = 2;
const DEFAULT_TOKEN_TTL_SECONDS = 600;
const DEFAULT_GRACE_SECONDS = 120;

/** What the hold endpoint does with an admission: nothing (no room), or undo its use when the hold failed. */
export interface Admission {
  release(): Promise<void>;
}

export function createWaitingRoomService(deps: WaitingRoomServiceDeps) {
  const { repository, store, tokens, logger } = deps;
  const now = deps.now ?? Date.now;
  const settings = new Map<string, { row: WaitingRoomRow | undefined; readAt: number }>();
  // Admissions used while the store was unreachable (jti → who and until when): a token still
  // works once per process, and the store learns of them when it is back.
  const usedLocally = new Map<string, { eventId: string; userId: string; until: number }>();
  // The rate of each adaptive room in this process (instances share the store's token bucket,
  // each refilling it at the rate it measured: together they admit at about their average).
  const rates = new Map<string, number>();
  // The place each stream watcher was last shown, and when (per event, rebuilt on every pass).
  const shown = new Map<string, Map<string, { view: QueueStatusView; at: number }>>();
  let adjustedAt = 0;

  /** The rate a room admits at now, per minute: its organizer's, or the adaptive one. */
  function rateOf(room: WaitingRoomRow): number {
    if (room.admission !== 'adaptive') return room.admit_per_minute;
    return Math.min(room.admit_per_minute, rates.get(room.event_id) ?? initialAdmitRate(room.admit_per_minute, deps.adaptive));
  }

  async function reportUsedLocally(): Promise<void> {
    for (const [jti, u] of usedLocally) {
      if (u.until > now()) await store.consume(u.eventId, u.userId, jti);
      usedLocally.delete(jti);
    }
  }

  async function roomOf(eventId: string): Promise<WaitingRoomRow | undefined> {
    const cached = settings.get(eventId);
    if (cached && now() - cached.readAt < deps.settingsCacheMs) return cached.row;
    const row = await repository.findByEvent(eventId);
    if (settings.size > 10_000) settings.clear();
    settings.set(eventId, { row, readAt: now() });
    return row;
  }

  /** A store call; an unreachable Redis becomes 503 waiting_room_unavailable (the queue is kept). */
  async function queue<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      logger.warn({ err, op }, 'waiting room store unavailable');
      throw unavailable();
    }
  }

  async function openRoom(eventId: string): Promise<WaitingRoomRow> {
    const event = await deps.events.getEventRow(eventId);
    const room = await roomOf(event.id);
    if (!room?.enabled) throw errors.waitingRoomNotEnabled();
    return room;
  }

  function placeView(user: string, room: WaitingRoomRow, place: QueuePlace): QueueStatusView {
    const base = { event_id: room.event_id, opens_at: room.opens_at.toISOString(), waiting: place.waiting };
    if (place.state === 'waiting') {
      const untilOpen = Math.max(0, room.opens_at.getTime() - now()) / 1000;
      return {
        ...base,
        status: 'waiting',
        position: place.position,
        estimated_wait_seconds: Math.ceil(untilOpen + (place.position * 60) / rateOf(room)),
        admission_number: null,
        admission_token: null,
        token_expires_at: null,
      };
    }
    const { token, expiresAt } = tokens.issue({
      userId: user,
      eventId: room.event_id,
      entryId: place.entryId,
      admittedAt: place.admittedAt,
      ttlSeconds: room.token_ttl_seconds,
    });
    const expired = expiresAt.getTime() <= now();
    const live = !place.used && !expired;
    return {
      ...base,
      status: place.used ? 'used' : expired ? 'expired' : 'admitted',
      position: null,
      estimated_wait_seconds: 0,
      admission_number: place.admissionNo,
      admission_token: live ? token : null,
      token_expires_at: live ? expiresAt.toISOString() : null,
    };
  }

  function roomView(eventId: string, row: WaitingRoomRow | undefined): WaitingRoomView {
    return {
      event_id: eventId,
      enabled: row?.enabled ?? false,
      opens_at: row?.opens_at.toISOString() ?? null,
      admit_per_minute: row?.admit_per_minute ?? null,
      admission: row?.admission ?? null,
      token_ttl_seconds: row?.token_ttl_seconds ?? null,
      grace_seconds: row?.grace_seconds ?? null,
    };
  }

  return {
    async getRoom(eventId: string): Promise<WaitingRoomView> {
      const event = await deps.events.getEventRow(eventId);
      return roomView(event.id, await repository.findByEvent(event.id));
    },

    async configure(user: UserClaims, eventId: string, body: WaitingRoomBody): Promise<WaitingRoomView> {
      const event = await deps.access.authorize(user, 'event.manage_queue', eventId);
      const opensAt = new Date(body.opens_at);
      if (Number.isNaN(opensAt.getTime())) throw invalidRequest({ opens_at: 'must be an RFC 3339 date-time' });
      if (opensAt.getTime() >= event.event_date.getTime()) throw invalidRequest({ opens_at: 'must be before the event starts' });
      const row = await repository.upsert({
        event_id: event.id,
        enabled: body.enabled,
        opens_at: opensAt,
        admit_per_minute: body.admit_per_minute,
        admission: body.admission ?? 'fixed',
        token_ttl_seconds: body.token_ttl_seconds ?? DEFAULT_TOKEN_TTL_SECONDS,
        grace_seconds: body.grace_seconds ?? DEFAULT_GRACE_SECONDS,
        updated_by: user.user_id,
      });
      settings.set(event.id, { row, readAt: now() });
      return roomView(event.id, row);
    },

    /** One place per account: a second join answers 409 already_in_queue with the place it has. */
    async join(user: UserClaims, eventId: string): Promise<QueueStatusView> {
      const room = await openRoom(eventId);
      const { created, place } = await queue('join', () =>
        store.join(room.event_id, user.user_id, {
          now: now(),
          opensAt: room.opens_at.getTime(),
          lottery: randomInt(0, 2 ** 48 - 1) / 2 ** 48,
          entryId: randomUUID(),
          tokenTtlMs: room.token_ttl_seconds * 1000,
          retentionMs: deps.retentionSeconds * 1000,
        }),
      );
      const view = placeView(user.user_id, room, place);
      if (!created) throw errors.alreadyInQueue({ details: { place: view } });
      return view;
    },

    /** The caller's place (it also counts as being present, for the grace period). */
    async myPlace(user: UserClaims, eventId: string): Promise<QueueStatusView> {
      const room = await openRoom(eventId);
      const [place] = await queue('place', () => store.places(room.event_id, [user.user_id], now()));
      if (!place) throw errors.queueEntryNotFound();
      return placeView(user.user_id, room, place);
    },

    /**
     * The places of the buyers watching the queue through one process (the stream). A waiting
     * buyer's place is shown anew at most every `streamRefreshMs`: in a moving queue every place
     * changes every second, and a frame to every open stream every second was the event
     * process's largest cost during an on-sale (its socket writes). An admission, or any other
     * change of status, is shown at once.
     */
    async placesOf(eventId: string, userIds: readonly string[]): Promise<Map<string, QueueStatusView | undefined>> {
      const room = await roomOf(eventId);
      const out = new Map<string, QueueStatusView | undefined>();
      if (!room) return out;
      const places = await store.places(eventId, userIds, now());
      const before = shown.get(eventId);
      const after = new Map<string, { view: QueueStatusView; at: number }>();
      userIds.forEach((u, i) => {
        const p = places[i];
        const view = p ? placeView(u, room, p) : undefined;
        const last = before?.get(u);
        if (view && last && view.status === 'waiting' && last.view.status === 'waiting' && now() - last.at < deps.streamRefreshMs) {
          out.set(u, last.view);
          after.set(u, last);
          return;
        }
        out.set(u, view);
        if (view) after.set(u, { view, at: now() });
      });
      // Only the buyers watching now are remembered.
      if (after.size > 0) shown.set(eventId, after);
      else shown.delete(eventId);
      return out;
    },

    /**
     * One admission pass over every room that admits now; returns how many were admitted.
     * Adaptive rooms get their rate adjusted first, once per `adaptive.intervalMs`, to the
     * latency measured since the last adjustment.
     */
    async admitDue(): Promise<number> {
      let admitted = 0;
      if (usedLocally.size > 0) await reportUsedLocally();
      const rooms = await repository.findAdmitting();
      for (const id of rates.keys()) if (!rooms.some((r) => r.event_id === id && r.admission === 'adaptive')) rates.delete(id);
      const adaptive = rooms.filter((r) => r.admission === 'adaptive');
      const sample = adaptive.length > 0 && now() - adjustedAt >= deps.adaptive.intervalMs ? deps.capacity.take() : undefined;
      if (sample) adjustedAt = now();
      for (const room of rooms) {
        settings.set(room.event_id, { row: room, readAt: now() });
        let perMinute = room.admit_per_minute;
        if (room.admission === 'adaptive') {
          perMinute = rateOf(room);
          if (sample) {
            // Raised only while buyers wait: an empty queue says nothing about what more would cost.
            const { waiting } = await store.stats(room.event_id, now());
            perMinute = nextAdmitRate(perMinute, { ceiling: room.admit_per_minute, sample, waiting: waiting > 0 }, deps.adaptive);
          }
          rates.set(room.event_id, perMinute);
        }
        const users = await store.admit(room.event_id, {
          now: now(),
          opensAt: room.opens_at.getTime(),
          perMinute,
          graceMs: room.grace_seconds * 1000,
          maxBatch: deps.maxBatch,
        });
        admitted += users.length;
      }
      return admitted;
    },

    async stats(user: UserClaims, eventId: string): Promise<WaitingRoomStatsView> {
      const event = await deps.access.authorize(user, 'event.manage_queue', eventId);
      const room = await roomOf(event.id);
      const [queueStats, counts] = await Promise.all([queue('stats', () => store.stats(event.id, now())), deps.events.counts(event.id)]);
      return {
        event_id: event.id,
        enabled: room?.enabled ?? false,
        opens_at: room?.opens_at.toISOString() ?? null,
        admit_per_minute: room?.admit_per_minute ?? null,
        admission: room?.admission ?? null,
        admit_rate_per_minute: room?.enabled ? Math.round(queueStats.ratePerMinute ?? rateOf(room)) : null,
        waiting: queueStats.waiting,
        admitted_total: queueStats.admittedTotal,
        admitted_last_minute: queueStats.admittedLastMinute,
        sold_seats: counts.booked,
        held_seats: counts.held,
        available_seats: Math.max(0, counts.total - counts.held - counts.booked),
        at: new Date(now()).toISOString(),
      };
    },

    /**
     * The hold endpoint's gate, before the deciding write: on an event with its room switched
     * on, only a valid, unused admission token of this account and event passes. The signature,
     * expiry, account and event are checked in process; "unused" in the store, atomically.
     */
    async admit(user: UserClaims, eventId: string, token: string | undefined): Promise<Admission | undefined> {
      const event = await deps.events.getEventRow(eventId);
      const room = await roomOf(event.id);
      if (!room?.enabled) return undefined;
      if (token === undefined || token === '') throw errors.admissionRequired();
      const check = tokens.check(token, { userId: user.user_id, eventId: event.id, now: now() });
      if (!check.ok) throw refusal(check.reason);
      const { jti, exp } = check.claims;
      let outcome: 'ok' | 'used' | 'unknown';
      let local = false;
      try {
        if (usedLocally.size > 0) await reportUsedLocally();
        outcome = await store.consume(event.id, user.user_id, jti);
      } catch (err) {
        // Fail safe: the token is genuine (checked above), so it still admits, once per process.
        logger.warn({ err }, 'waiting room store unavailable; admission checked in process');
        local = true;
        for (const [k, u] of usedLocally) if (u.until <= now()) usedLocally.delete(k);
        outcome = usedLocally.has(jti) ? 'used' : 'ok';
        if (outcome === 'ok') usedLocally.set(jti, { eventId: event.id, userId: user.user_id, until: exp * 1000 });
      }
      if (outcome === 'used') throw errors.admissionTokenUsed();
      if (outcome === 'unknown')
        throw errors.admissionTokenInvalid({ message: 'This admission token is no longer valid: join the queue again' });
      return {
        async release() {
          if (local) usedLocally.delete(jti);
          else await store.unconsume(event.id, user.user_id, jti).catch((err: unknown) => logger.warn({ err }, 'admission release failed'));
        },
      };
    },
  };
}

function unavailable(): EventsError {
  return errors.waitingRoomUnavailable({ details: { retry_after_seconds: RETRY_AFTER_SECONDS } });
}

function refusal(reason: 'invalid' | 'expired' | 'wrong_account' | 'wrong_event'): EventsError {
  switch (reason) {
    case 'expired':
      return errors.admissionTokenExpired();
    case 'wrong_account':
      return errors.admissionTokenWrongAccount();
    case 'wrong_event':
      return errors.admissionTokenInvalid({ message: 'This admission token is for another event' });
    case 'invalid':
      return errors.admissionTokenInvalid();
  }
}

export type WaitingRoomService = ReturnType<typeof createWaitingRoomService>;
