import {
  databaseSection,
  httpSection,
  jwtSection,
  kafkaSection,
  loadServiceConfig,
  logSection,
  outboxSection,
  redisSection,
  Type,
  type DeepPartial,
  type Static,
} from '@ticketing/config';

export const EventsConfigSchema = Type.Object({
  http: httpSection(8082),
  log: logSection,
  database: databaseSection,
  redis: redisSection,
  kafka: Type.Object(
    {
      ...kafkaSection.properties,
      /** Publish seat domain events on Kafka when no bus is given to createEventsDeps. @defaultValue true */
      enabled: Type.Boolean({ default: true }),
      /** @defaultValue "seat-events" */
      seatEventsTopic: Type.String({ default: 'seat-events', minLength: 1 }),
      /** Where event cancellations go (to the bookings worker). @defaultValue "event-cancellations" */
      eventCancellationsTopic: Type.String({ default: 'event-cancellations', minLength: 1 }),
      /** Organizer changes of events (published, updated, rescheduled). @defaultValue "event-changes" */
      eventChangesTopic: Type.String({ default: 'event-changes', minLength: 1 }),
      /** Waiting-list offers, emailed by the notification service. @defaultValue "waitlist-offers" */
      waitlistOffersTopic: Type.String({ default: 'waitlist-offers', minLength: 1 }),
    },
    { default: {} },
  ),
  jwt: jwtSection,
  /** The web app's address, for links in emails (the waiting list's offer). @defaultValue "http://127.0.0.1:8080" */
  publicUrl: Type.String({ default: 'http://127.0.0.1:8080', pattern: '^https?://[^\\s/]+(/[^\\s]*)?$' }),
  /** Most seats in one hold. @defaultValue 10 */
  maxSeatsPerHold: Type.Integer({ default: 10, minimum: 1, maximum: 1000 }),
  /** Live holds one user may have on one event; one more is 429 hold_limit_reached. @defaultValue 3 */
  maxActiveHoldsPerUser: Type.Integer({ default: 3, minimum: 1, maximum: 100000 }),
  /** hold_ttl_seconds of an event created without one. @defaultValue 900 */
  defaultHoldTtlSeconds: Type.Integer({ default: 900, minimum: 30, maximum: 3600 }),
  /** Currency of an event created without one (ISO 4217, two decimals). @defaultValue USD */
  defaultCurrency: Type.String({ default: 'USD', pattern: '^[A-Z]{3}$' }),
  /** How long a hold locked for payment keeps its seats (internal lock without lock_seconds). @defaultValue 600 */
  paymentWindowSeconds: Type.Integer({ default: 600, minimum: 1, maximum: 86400 }),
  /**
   * A locked hold past its expiry is still confirmable while its seats are untouched; the
   * sweeper frees its seats only this long after the expiry. @defaultValue 60
   */
  lockedGraceSeconds: Type.Integer({ default: 60, minimum: 0, maximum: 86400 }),
  /** How often expired holds are marked `expired`, their seats freed and events published. 0 disables. @defaultValue 5000 */
  sweeperIntervalMs: Type.Integer({ default: 5000, minimum: 0 }),
  /** Holds expired per sweeper statement. @defaultValue 500 */
  sweeperBatchSize: Type.Integer({ default: 500, minimum: 1, maximum: 10000 }),
  /** Comment line sent to every seat stream this often. @defaultValue 15000 */
  sseHeartbeatMs: Type.Integer({ default: 15000, minimum: 100 }),
  outbox: outboxSection,
  groupCommit: Type.Object(
    {
      /** Run concurrent hold requests together in one transaction (one WAL flush). @defaultValue true */
      enabled: Type.Boolean({ default: true }),
      /** How long the first request of a batch waits for company. @defaultValue 1 */
      windowMs: Type.Number({ default: 1, minimum: 0, maximum: 50 }),
      /** @defaultValue 128 */
      maxBatch: Type.Integer({ default: 128, minimum: 1, maximum: 1000 }),
      /**
       * Batches running at once (each holds one pooled connection). Two, not more: under load the
       * requests queue into fewer, larger batches, each with one commit, one round trip and one
       * wake-up of a database backend (bench/holds: 35 requests a batch instead of 21, a tenth
       * less CPU per request, docs/benchmarks.md). @defaultValue 2
       */
      maxInFlight: Type.Integer({ default: 2, minimum: 1, maximum: 100 }),
    },
    { default: {} },
  ),
  waitingRoom: Type.Object(
    {
      /** How often each room admits its next buyers. @defaultValue 250 */
      admitIntervalMs: Type.Integer({ default: 250, minimum: 0, maximum: 60000 }),
      /** How often open queue streams get their places. @defaultValue 1000 */
      streamIntervalMs: Type.Integer({ default: 1000, minimum: 50, maximum: 60000 }),
      /**
       * A waiting buyer's stream shows a new place (position, estimate) at most this often; an
       * admission is shown at the next look-up. @defaultValue 5000
       */
      streamRefreshMs: Type.Integer({ default: 5000, minimum: 0, maximum: 600000 }),
      /** How often the organizer's queue view is pushed. @defaultValue 1000 */
      statsIntervalMs: Type.Integer({ default: 1000, minimum: 100, maximum: 60000 }),
      /** Most buyers one room admits in one pass. @defaultValue 1000 */
      maxBatch: Type.Integer({ default: 1000, minimum: 1, maximum: 100000 }),
      /** How long the hold check reuses a room's settings (another instance's change shows after it). @defaultValue 2000 */
      settingsCacheMs: Type.Integer({ default: 2000, minimum: 0, maximum: 60000 }),
      /** The queue's data stays this long after the last join. @defaultValue 172800 */
      retentionSeconds: Type.Integer({ default: 172800, minimum: 60 }),
      /**
       * Rooms in `adaptive` admission slow down while holds, hold locks and confirms take longer
       * than this here (90th percentile), or the event loop lags more. @defaultValue 500
       */
      targetLatencyMs: Type.Integer({ default: 500, minimum: 1, maximum: 60000 }),
      /** How often an adaptive room's rate is adjusted to the latency measured meanwhile. @defaultValue 1000 */
      adaptiveIntervalMs: Type.Integer({ default: 1000, minimum: 10, maximum: 60000 }),
      /** An adaptive room never admits slower than this (nor faster than its organizer's rate). @defaultValue 60 */
      adaptiveFloorPerMinute: Type.Integer({ default: 60, minimum: 1, maximum: 1_000_000 }),
    },
    { default: {} },
  ),
  waitlist: Type.Object(
    {
      /** Most seats one waiting-list entry waits for. @defaultValue 10 */
      maxQuantity: Type.Integer({ default: 10, minimum: 1, maximum: 1000 }),
      /** How long an offer holds its seats for the buyer, unless the event sets its own. @defaultValue 600 */
      offerTtlSeconds: Type.Integer({ default: 600, minimum: 1, maximum: 86400 }),
      /** Every event with a list gets an offering pass this often (besides the wake when seats are freed); 0: only on wake. @defaultValue 1000 */
      intervalMs: Type.Integer({ default: 1000, minimum: 0, maximum: 600000 }),
      /** How often open waiting-list streams are refreshed (offers made by another instance). @defaultValue 1000 */
      streamIntervalMs: Type.Integer({ default: 1000, minimum: 50, maximum: 60000 }),
    },
    { default: {} },
  ),
  cache: Type.Object(
    {
      /** Event fields never change after creation. @defaultValue 3600 */
      eventTtlSeconds: Type.Integer({ default: 3600, minimum: 1 }),
      /** Available/held/booked counts; also invalidated on every change. @defaultValue 30 */
      countTtlSeconds: Type.Integer({ default: 30, minimum: 1 }),
      /** List pages; a new event invalidates them all. @defaultValue 30 */
      listTtlSeconds: Type.Integer({ default: 30, minimum: 1 }),
      /** Seat maps; invalidated on every change. @defaultValue 30 */
      seatMapTtlSeconds: Type.Integer({ default: 30, minimum: 1 }),
    },
    { default: {} },
  ),
});

export type EventsConfig = Static<typeof EventsConfigSchema>;

/** The environment variables this service reads besides the common ones (commonEnv), by config path. */
export const eventsEnv = {
  EVENTS_PORT: 'http.port',
  WEB_PUBLIC_URL: 'publicUrl',
  EVENTS_KAFKA_ENABLED: 'kafka.enabled',
  EVENTS_SEAT_EVENTS_TOPIC: 'kafka.seatEventsTopic',
  EVENT_CANCELLATIONS_TOPIC: 'kafka.eventCancellationsTopic',
  EVENTS_EVENT_CHANGES_TOPIC: 'kafka.eventChangesTopic',
  EVENTS_WAITLIST_OFFERS_TOPIC: 'kafka.waitlistOffersTopic',
  EVENTS_OUTBOX_ENABLED: 'outbox.enabled',
  EVENTS_OUTBOX_INTERVAL_MS: 'outbox.intervalMs',
  EVENTS_MAX_SEATS_PER_HOLD: 'maxSeatsPerHold',
  EVENTS_MAX_ACTIVE_HOLDS_PER_USER: 'maxActiveHoldsPerUser',
  EVENTS_DEFAULT_HOLD_TTL_SECONDS: 'defaultHoldTtlSeconds',
  EVENTS_DEFAULT_CURRENCY: 'defaultCurrency',
  EVENTS_PAYMENT_WINDOW_SECONDS: 'paymentWindowSeconds',
  EVENTS_LOCKED_GRACE_SECONDS: 'lockedGraceSeconds',
  EVENTS_SWEEPER_INTERVAL_MS: 'sweeperIntervalMs',
  EVENTS_SWEEPER_BATCH_SIZE: 'sweeperBatchSize',
  EVENTS_SSE_HEARTBEAT_MS: 'sseHeartbeatMs',
  EVENTS_GROUP_COMMIT_ENABLED: 'groupCommit.enabled',
  EVENTS_GROUP_COMMIT_WINDOW_MS: 'groupCommit.windowMs',
  EVENTS_GROUP_COMMIT_MAX_BATCH: 'groupCommit.maxBatch',
  EVENTS_GROUP_COMMIT_MAX_IN_FLIGHT: 'groupCommit.maxInFlight',
  EVENTS_WAITING_ROOM_ADMIT_INTERVAL_MS: 'waitingRoom.admitIntervalMs',
  EVENTS_WAITING_ROOM_STREAM_INTERVAL_MS: 'waitingRoom.streamIntervalMs',
  EVENTS_WAITING_ROOM_STREAM_REFRESH_MS: 'waitingRoom.streamRefreshMs',
  EVENTS_WAITING_ROOM_MAX_BATCH: 'waitingRoom.maxBatch',
  EVENTS_WAITING_ROOM_TARGET_LATENCY_MS: 'waitingRoom.targetLatencyMs',
  EVENTS_WAITING_ROOM_ADAPTIVE_INTERVAL_MS: 'waitingRoom.adaptiveIntervalMs',
  EVENTS_WAITING_ROOM_ADAPTIVE_FLOOR_PER_MINUTE: 'waitingRoom.adaptiveFloorPerMinute',
  EVENTS_WAITLIST_MAX_QUANTITY: 'waitlist.maxQuantity',
  EVENTS_WAITLIST_OFFER_TTL_SECONDS: 'waitlist.offerTtlSeconds',
  EVENTS_WAITLIST_INTERVAL_MS: 'waitlist.intervalMs',
  EVENTS_CACHE_EVENT_TTL_SECONDS: 'cache.eventTtlSeconds',
  EVENTS_CACHE_COUNT_TTL_SECONDS: 'cache.countTtlSeconds',
  EVENTS_CACHE_LIST_TTL_SECONDS: 'cache.listTtlSeconds',
  EVENTS_CACHE_SEAT_MAP_TTL_SECONDS: 'cache.seatMapTtlSeconds',
} as const;

export function loadEventsConfig(overrides?: DeepPartial<EventsConfig>, env: NodeJS.ProcessEnv = process.env): Readonly<EventsConfig> {
  const config = loadServiceConfig({
    service: 'events',
    schema: EventsConfigSchema,
    defaultFile: new URL('../config.yaml', import.meta.url),
    env,
    overrides,
    envMap: eventsEnv,
  });
  return config;
}
