import { fileURLToPath } from 'node:url';
import { Counter, Histogram, Registry } from 'prom-client';
import { createKafkaBus, createOutboxRelay, createOutboxSignal, type MessageBus, type OutboxRelay } from '@ticketing/bus';
import { createCacheFromConfig, type Cache } from '@ticketing/cache';
import { createPostgresDatabase, runMigrations, type Database } from '@ticketing/db';
import { createLogger, type Logger } from '@ticketing/http';
import type { EventsConfig } from './config.ts';
import { createEventCache, type EventCache } from './events/event-cache.ts';
import { createEventsRepository } from './events/events.repository.ts';
import { createEventsService, type EventsService } from './events/events.service.ts';
import { createHoldBatcher } from './holds/hold-batcher.ts';
import { createHoldSeats, type HoldSeats } from './holds/hold-seats.ts';
import { createHoldSweeper, type HoldSweeper } from './holds/hold-sweeper.ts';
import { createHoldsRepository, type HoldsRepository } from './holds/holds.repository.ts';
import { createHoldsService, type HoldsService } from './holds/holds.service.ts';
import { createSeatChanges, type SeatChanges } from './seats/seat-changes.ts';
import { createSeatStreamHub, type SeatStreamHub } from './seats/seat-stream.ts';
import { createSeatsRepository } from './seats/seats.repository.ts';
import { createSeatsService, type SeatsService } from './seats/seats.service.ts';
import { trackDatabase } from './tracked-database.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
/** The database functions (CREATE OR REPLACE), applied after the migrations on every start. */
export const SQL_DIR = fileURLToPath(new URL('../sql', import.meta.url));

/** Brings the schema up to date: pending migrations, then every database function. */
export function migrateEventsDatabase(db: Database) {
  return runMigrations(db, MIGRATIONS_DIR, { functionsDir: SQL_DIR });
}

export interface EventsDeps {
  config: Readonly<EventsConfig>;
  logger: Logger;
  db: Database;
  cache: Cache;
  bus: MessageBus | undefined;
  metrics: Registry;
  eventCache: EventCache;
  events: EventsService;
  seats: SeatsService;
  holdSeats: HoldSeats;
  holds: HoldsService;
  holdsRepository: HoldsRepository;
  changes: SeatChanges;
  hub: SeatStreamHub;
  sweeper: HoldSweeper;
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
  given: { db?: Database; cache?: Cache; bus?: MessageBus; logger?: Logger } = {},
): Promise<EventsDeps> {
  const logger = given.logger ?? createLogger('events', config.log.level);
  const tracked = trackDatabase(
    given.db ??
      createPostgresDatabase({
        url: config.database.url,
        schema: 'events',
        poolSize: config.database.poolSize,
        applicationName: 'events',
        onConnectionError: (err) => logger.warn({ err }, 'database connection lost; the pool replaces it'),
        // The service's query texts are a fixed set: each is parsed and planned once per connection.
        preparedStatements: true,
      }),
  );
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
        })
      : undefined);
  const { applied } = await migrateEventsDatabase(db);
  if (applied.length > 0) logger.info({ applied }, 'migrations applied');

  const metrics = new Registry();
  const holdOutcomes = new Counter({
    name: 'seat_hold_outcomes_total',
    help: 'Hold requests that reached the database, by outcome (held, unavailable, limit_reached, ...)',
    labelNames: ['outcome'] as const,
    registers: [metrics],
  });

  const batchSizes = new Histogram({
    name: 'seat_hold_batch_size',
    help: 'Hold requests decided together in one transaction (group commit)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [metrics],
  });

  const batchSeconds = new Histogram({
    name: 'seat_hold_batch_seconds',
    help: 'Time to decide one batch of hold requests (group commit), commit included',
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [metrics],
  });

  const batchFallbacks = new Counter({
    name: 'seat_hold_batch_fallbacks_total',
    help: 'Batches that failed as a whole and were decided request by request',
    registers: [metrics],
  });

  const eventCache = createEventCache(cache, config.cache, logger);
  const hub = createSeatStreamHub(cache, logger);
  // Seat changes write their `seat-events` row in the same statement or transaction (outbox);
  // without a bus nothing would ever publish them, so none are written.
  const outboxSignal = createOutboxSignal();
  const changes = createSeatChanges({ eventCache, cache, hub, signal: outboxSignal, logger });
  const events = createEventsService({
    repository: createEventsRepository(db),
    cache: eventCache,
    defaultHoldTtlSeconds: config.defaultHoldTtlSeconds,
  });
  const seats = createSeatsService({ repository: createSeatsRepository(db), cache: eventCache });
  const holdsRepository = createHoldsRepository(db, { seatEventsTopic: bus ? config.kafka.seatEventsTopic : undefined });
  const batcher = config.groupCommit.enabled
    ? createHoldBatcher({
        repository: holdsRepository,
        logger,
        windowMs: config.groupCommit.windowMs,
        maxBatch: config.groupCommit.maxBatch,
        maxInFlight: config.groupCommit.maxInFlight,
        onBatch: (size, seconds) => {
          batchSizes.observe(size);
          batchSeconds.observe(seconds);
        },
        onFallback: () => batchFallbacks.inc(),
      })
    : undefined;
  const holdSeats = createHoldSeats({
    events,
    seats,
    holds: holdsRepository,
    decide: batcher ? (input) => batcher.decide(input) : (input) => holdsRepository.holdSeats(input),
    changes,
    maxSeatsPerHold: config.maxSeatsPerHold,
    maxActiveHoldsPerUser: config.maxActiveHoldsPerUser,
    onOutcome: (kind) => holdOutcomes.inc({ outcome: kind }),
  });
  const holds = createHoldsService({ db, repository: holdsRepository, changes, paymentWindowSeconds: config.paymentWindowSeconds });
  const sweeper = createHoldSweeper({
    repository: holdsRepository,
    changes,
    logger,
    intervalMs: config.sweeperIntervalMs,
    batchSize: config.sweeperBatchSize,
    lockedGraceSeconds: config.lockedGraceSeconds,
  });
  const relay =
    bus && config.outbox.enabled
      ? createOutboxRelay({
          db,
          publisher: bus.publisher(),
          topics: [config.kafka.seatEventsTopic],
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
    bus,
    metrics,
    eventCache,
    events,
    seats,
    holdSeats,
    holds,
    holdsRepository,
    changes,
    hub,
    sweeper,
    relay,
    async close() {
      await sweeper.stop();
      // Requests whose client went away may still be running: let them finish first.
      await tracked.drain(5000);
      await changes.close();
      await relay?.close();
      if (ownBus) await bus?.close();
      if (!given.cache) await cache.close();
      if (!given.db) await db.close();
    },
  };
}
