import { poolSizeOf } from '@ticketing/config';
import { fileURLToPath } from 'node:url';
import {
  createKafkaBus,
  createOutboxRelay,
  createOutboxRepository,
  createOutboxSignal,
  type MessageBus,
  type OutboxRelay,
} from '@ticketing/bus';
import { createCacheRevocationChecker, type RevocationChecker } from '@ticketing/auth';
import { createCacheFromConfig, type Cache } from '@ticketing/cache';
import { createAuditLog, createPostgresDatabase, prepareSchema, runMigrations, type Database, type MigrationSet } from '@ticketing/db';
import { createLogger, registerOutboxMetrics, registerPoolMetrics, type Logger } from '@ticketing/http';
import type { EventsConfig } from './config.ts';
import { createCancelEvent, type CancelEvent } from './cancellation/cancel-event.ts';
import { createCancellationRepository } from './cancellation/cancellation.repository.ts';
import { createEventCache, type EventCache } from './events/event-cache.ts';
import { createEventAccess, type EventAccess } from './events/event-access.ts';
import { createEventsRepository } from './events/events.repository.ts';
import { createManageEvents, type ManageEvents } from './events/manage-events.ts';
import { createEventsService, type EventsService } from './events/events.service.ts';
import { createHoldBatcher } from './holds/hold-batcher.ts';
import { createHoldTransitions } from './holds/hold-transitions.ts';
import { createHoldSeats, type HoldSeats } from './holds/hold-seats.ts';
import { createHoldSweeper, type HoldSweeper } from './holds/hold-sweeper.ts';
import { createHoldsRepository, type HoldsRepository } from './holds/holds.repository.ts';
import { createHoldsService, type HoldsService } from './holds/holds.service.ts';
import { createEventsMetrics, registerHoldBatcherMetrics, registerWaitingRoomMetrics, type EventsMetrics } from './metrics.ts';
import { createSeatChanges, type SeatChanges } from './seats/seat-changes.ts';
import { createSeatStreamHub, type SeatStreamHub } from './seats/seat-stream.ts';
import { createSeatsRepository } from './seats/seats.repository.ts';
import { createSeatsService, type SeatsService } from './seats/seats.service.ts';
import { trackDatabase } from './tracked-database.ts';
import { createAdmissionTokens } from './waiting-room/admission-tokens.ts';
import { createCapacityMeter, type CapacityMeter } from './waiting-room/capacity.ts';
import { createMemoryQueueStore, type QueueStore } from './waiting-room/queue-store.ts';
import { createQueueStreams, type QueueStreams } from './waiting-room/queue-stream.ts';
import { createRedisQueueStore } from './waiting-room/redis-queue-store.ts';
import { createWaitingRoomRepository } from './waiting-room/waiting-room.repository.ts';
import { createWaitingRoomService, type WaitingRoomService } from './waiting-room/waiting-room.service.ts';
import { createPeriodicTask, type PeriodicTask } from '@ticketing/tasks';
import { createWaitlistOffers, type WaitlistOffers } from './waitlist/waitlist-offers.ts';
import { createWaitlistStreams, type WaitlistStreams } from './waitlist/waitlist-stream.ts';
import { createWaitlistRepository } from './waitlist/waitlist.repository.ts';
import { createWaitlistService, type WaitlistService } from './waitlist/waitlist.service.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
/** The database functions (CREATE OR REPLACE), applied after the migrations on every start. */
export const SQL_DIR = fileURLToPath(new URL('../sql', import.meta.url));

/** The schema's changes, for `npm run migrate` and the start of the service. */
export const EVENTS_MIGRATIONS: MigrationSet = { dir: MIGRATIONS_DIR, functionsDir: SQL_DIR };

/** Brings the schema up to date: pending migrations, then every database function. */
export function migrateEventsDatabase(db: Database) {
  return runMigrations(db, MIGRATIONS_DIR, { functionsDir: SQL_DIR });
}

export interface EventsDeps {
  config: Readonly<EventsConfig>;
  logger: Logger;
  db: Database;
  cache: Cache;
  /** Refuses revoked user tokens (announced by the users service through the cache). */
  revocations: RevocationChecker;
  bus: MessageBus | undefined;
  metrics: EventsMetrics;
  eventCache: EventCache;
  eventsService: EventsService;
  /** The one organizer check (docs/users.md#organizations-and-roles): may this token do an action on this event? */
  eventAccess: EventAccess;
  manageEvents: ManageEvents;
  seatsService: SeatsService;
  holdSeats: HoldSeats;
  holdsService: HoldsService;
  cancelEvent: CancelEvent;
  holdsRepository: HoldsRepository;
  changes: SeatChanges;
  hub: SeatStreamHub;
  sweeper: HoldSweeper;
  /** The waiting room's queue: Redis scripts when the cache is Redis, else in memory (embedded). */
  queueStore: QueueStore;
  /** The latency of the work admitted buyers cause here (holds, locks, confirms): adaptive rooms follow it. */
  capacity: CapacityMeter;
  waitingRoom: WaitingRoomService;
  queueStreams: QueueStreams;
  /** Admits the next buyers of every open room; the entry points start it. */
  admissions: PeriodicTask<number>;
  /** The waiting list: join, place, leave, decline (docs/waiting-list.md). */
  waitlistService: WaitlistService;
  /**
   * The waiting list's offering loop; `waitlist.seatsFreed(eventId)` is THE hook for seats coming
   * back (SeatChanges.record calls it for every change that frees seats). The entry points start it.
   */
  waitlist: WaitlistOffers;
  waitlistStreams: WaitlistStreams;
  /** Publishes the seat events of the outbox to Kafka (when there is a bus and `outbox.enabled`); the entry point starts it. */
  relay: OutboxRelay | undefined;
  /** Stops the sweeper and the relay, lets requests in flight finish, and closes what this call created. */
  close(): Promise<void>;
}

/**
 * The composition root: builds every dependency from config; adapters may be passed in
 * (embedded mode, tests). Runs the migrations; starts nothing (the entry points start the sweeper
 * and the outbox relay).
 */
export async function createEventsDeps(
  config: Readonly<EventsConfig>,
  given: { db?: Database; cache?: Cache; bus?: MessageBus; logger?: Logger; capacity?: CapacityMeter } = {},
): Promise<EventsDeps> {
  const logger = given.logger ?? createLogger('events', config.log.level);
  const rawDb =
    given.db ??
    createPostgresDatabase({
      url: config.database.url,
      schema: 'events',
      poolSize: poolSizeOf(config.database),
      applicationName: 'events',
      onConnectionError: (err) => logger.warn({ err }, 'database connection lost; the pool replaces it'),
      // The service's query texts are a fixed set: each is parsed and planned once per connection.
      preparedStatements: true,
    });
  const tracked = trackDatabase(rawDb);
  const db = tracked.db;
  const cache = given.cache ?? createCacheFromConfig(config.redis);
  const ownBus = !given.bus && config.kafka.enabled;
  const bus =
    given.bus ??
    (ownBus
      ? createKafkaBus({
          brokers: config.kafka.brokers,
          clientId: `${config.kafka.clientId}-events`,
          logger,
          cluster: config.kafka,
        })
      : undefined);
  const { applied } = await prepareSchema(db, EVENTS_MIGRATIONS, { migrate: config.database.migrateOnStart });
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');

  const revocations = createCacheRevocationChecker(cache, {
    maxAgeMs: config.jwt.revocationMaxAgeMs,
    onLookupError: (err) => logger.warn({ err }, 'token revocations unreadable; using the last known ones'),
  });
  const eventCache = createEventCache(cache, config.cache, logger);
  const hub = createSeatStreamHub(cache, logger);
  const metrics = createEventsMetrics(() => hub.clientCount());
  registerPoolMetrics(metrics.registry, rawDb);
  if (bus) registerOutboxMetrics(metrics.registry, createOutboxRepository(db), [config.kafka.seatEventsTopic]);
  // Seat changes write their `seat-events` row in the same statement or transaction (outbox);
  // without a bus nothing would ever publish them, so none are written.
  const outboxSignal = createOutboxSignal();
  // `waitlist` is created below (the offering loop records its own seat changes); called only after start-up.
  const changes = createSeatChanges({
    eventCache,
    cache,
    hub,
    signal: outboxSignal,
    logger,
    onSeatsFreed: (eventId) => {
      holdsRepository.seatsFreed(eventId);
      waitlist.seatsFreed(eventId);
    },
  });
  const eventsRepository = createEventsRepository(db);
  const eventsService = createEventsService({
    db,
    repository: eventsRepository,
    cache: eventCache,
    defaultHoldTtlSeconds: config.defaultHoldTtlSeconds,
    defaultCurrency: config.defaultCurrency,
    localTtlSeconds: config.cache.eventTtlSeconds,
  });
  const eventAccess = createEventAccess(eventsService);
  const manageEvents = createManageEvents({
    db,
    repository: eventsRepository,
    events: eventsService,
    access: eventAccess,
    audit: createAuditLog(db),
    eventChangesTopic: bus ? config.kafka.eventChangesTopic : undefined,
    signal: outboxSignal,
  });
  const seatsService = createSeatsService({ repository: createSeatsRepository(db), cache: eventCache });
  const holdsRepository = createHoldsRepository(db, { seatEventsTopic: bus ? config.kafka.seatEventsTopic : undefined });
  const batcher = config.groupCommit.enabled
    ? createHoldBatcher({
        repository: holdsRepository,
        logger,
        windowMs: config.groupCommit.windowMs,
        maxBatch: config.groupCommit.maxBatch,
        maxInFlight: config.groupCommit.maxInFlight,
        onBatch: (size, seconds) => {
          metrics.batchSizes.observe(size);
          metrics.batchSeconds.observe(seconds);
        },
        onFallback: () => metrics.batchFallbacks.inc(),
      })
    : undefined;
  if (batcher) registerHoldBatcherMetrics(metrics.registry, batcher.pending);
  const holdSeats = createHoldSeats({
    events: eventsService,
    seats: seatsService,
    holdsRepository,
    decide: batcher ? (input) => batcher.decide(input) : (input) => holdsRepository.holdSeats(input),
    changes,
    maxSeatsPerHold: config.maxSeatsPerHold,
    maxActiveHoldsPerUser: config.maxActiveHoldsPerUser,
    onOutcome: (kind) => metrics.holdOutcomes.inc({ outcome: kind }),
  });
  const holdsService = createHoldsService({
    db,
    repository: holdsRepository,
    changes,
    paymentWindowSeconds: config.paymentWindowSeconds,
    // The booking path's locks and confirms, batched per event-loop turn: no added wait when idle.
    transitions: config.groupCommit.enabled
      ? createHoldTransitions({
          repository: holdsRepository,
          logger,
          maxBatch: config.groupCommit.maxBatch,
          maxInFlight: config.groupCommit.maxInFlight,
          onBatch: (kind, size, seconds) => {
            metrics.transitionBatchSizes.observe({ kind }, size);
            metrics.transitionBatchSeconds.observe({ kind }, seconds);
          },
          onFallback: () => metrics.batchFallbacks.inc(),
        })
      : undefined,
  });
  const cancelEvent = createCancelEvent({
    events: eventsService,
    access: eventAccess,
    repository: createCancellationRepository(db, {
      seatEventsTopic: bus ? config.kafka.seatEventsTopic : undefined,
      cancellationsTopic: config.kafka.eventCancellationsTopic,
    }),
    changes,
    notifyOutbox: () => outboxSignal.notify(),
  });
  const sweeper = createHoldSweeper({
    repository: holdsRepository,
    changes,
    logger,
    intervalMs: config.sweeperIntervalMs,
    batchSize: config.sweeperBatchSize,
    lockedGraceSeconds: config.lockedGraceSeconds,
  });
  const queueStore = cache.runScript ? createRedisQueueStore(cache) : createMemoryQueueStore();
  const waitingRoomRepository = createWaitingRoomRepository(db);
  const capacity = given.capacity ?? createCapacityMeter();
  const waitingRoom = createWaitingRoomService({
    repository: waitingRoomRepository,
    store: queueStore,
    tokens: createAdmissionTokens({ jwtSecret: config.jwt.secret, issuer: config.jwt.issuer }),
    events: eventsService,
    access: eventAccess,
    logger: logger.child({ component: 'waiting-room' }),
    settingsCacheMs: config.waitingRoom.settingsCacheMs,
    maxBatch: config.waitingRoom.maxBatch,
    retentionSeconds: config.waitingRoom.retentionSeconds,
    streamRefreshMs: config.waitingRoom.streamRefreshMs,
    capacity,
    adaptive: {
      targetMs: config.waitingRoom.targetLatencyMs,
      floorPerMinute: config.waitingRoom.adaptiveFloorPerMinute,
      intervalMs: config.waitingRoom.adaptiveIntervalMs,
    },
  });
  registerWaitingRoomMetrics(metrics.registry, async () => {
    const rooms = await waitingRoomRepository.findAdmitting();
    return Promise.all(rooms.map(async (room) => ({ eventId: room.event_id, ...(await queueStore.stats(room.event_id, Date.now())) })));
  });
  const queueStreams = createQueueStreams({ service: waitingRoom, intervalMs: config.waitingRoom.streamIntervalMs, logger });
  let admissionFailures = 0;
  const admissions = createPeriodicTask({
    run: () => waitingRoom.admitDue(),
    intervalMs: config.waitingRoom.admitIntervalMs,
    maxBackoffMs: 2000,
    onError: (err, failures) => {
      admissionFailures = failures;
      // Nobody is admitted while the store is unreachable; once a second is enough to say so.
      if (failures === 1 || failures % 20 === 0) logger.warn({ err, failures }, 'waiting room admission paused: store unavailable');
    },
    onRecovered: (failures) => logger.info({ failures: failures || admissionFailures }, 'waiting room admission resumed'),
  });
  const waitlistRepository = createWaitlistRepository(db, {
    seatEventsTopic: bus ? config.kafka.seatEventsTopic : undefined,
    offersTopic: bus ? config.kafka.waitlistOffersTopic : undefined,
    publicUrl: config.publicUrl,
  });
  const waitlistService = createWaitlistService({
    db,
    repository: waitlistRepository,
    events: eventsService,
    holdsRepository,
    holds: holdsService,
    maxQuantity: config.waitlist.maxQuantity,
    onJoined: (eventId) => waitlist.seatsFreed(eventId),
  });
  const waitlistStreams = createWaitlistStreams({
    service: waitlistService,
    intervalMs: config.waitlist.streamIntervalMs,
    logger: logger.child({ component: 'waitlist-stream' }),
  });
  const waitlist: WaitlistOffers = createWaitlistOffers({
    repository: waitlistRepository,
    changes,
    logger: logger.child({ component: 'waitlist' }),
    intervalMs: config.waitlist.intervalMs,
    defaultTtlSeconds: config.waitlist.offerTtlSeconds,
    onEntriesChanged: (eventId) => waitlistStreams.wake(eventId),
  });
  const relay =
    bus && config.outbox.enabled
      ? createOutboxRelay({
          db,
          publisher: bus.publisher(),
          topics: [
            config.kafka.seatEventsTopic,
            config.kafka.eventCancellationsTopic,
            config.kafka.eventChangesTopic,
            config.kafka.waitlistOffersTopic,
          ],
          signal: outboxSignal,
          logger: logger.child({ component: 'outbox-relay' }),
          intervalMs: config.outbox.intervalMs,
          batchSize: config.outbox.batchSize,
          maxBackoffMs: config.outbox.maxBackoffMs,
          retentionSeconds: config.outbox.retentionSeconds,
        })
      : undefined;

  return {
    config,
    logger,
    db,
    cache,
    revocations,
    bus,
    metrics,
    eventCache,
    eventsService,
    eventAccess,
    manageEvents,
    seatsService,
    holdSeats,
    holdsService,
    cancelEvent,
    holdsRepository,
    changes,
    hub,
    sweeper,
    queueStore,
    capacity,
    waitingRoom,
    queueStreams,
    admissions,
    waitlistService,
    waitlist,
    waitlistStreams,
    relay,
    async close() {
      await sweeper.stop();
      await waitlist.stop();
      await waitlistStreams.stop();
      await admissions.stop();
      await queueStreams.stop();
      if (!given.capacity) capacity.close();
      // Requests whose client went away may still be running: let them finish first.
      await tracked.drain(5000);
      await changes.close();
      await relay?.close();
      await revocations.close();
      if (ownBus) await bus?.close();
      if (!given.cache) await cache.close();
      if (!given.db) await db.close();
    },
  };
}
