import { fileURLToPath } from 'node:url';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { loadConfig, type DeepPartial } from './load.ts';

/** Sections every service's config shares; each service composes the ones it uses. */

export const DEV_JWT_SECRET = 'dev-only-jwt-secret-change-me-0123456789abcdef';
export const DEV_INTERNAL_SECRET = 'dev-only-internal-secret-change-me-0123456789';
export const DEV_TICKET_SECRET = 'dev-only-ticket-signing-secret-change-me-012345';

export const httpSection = (port: number) =>
  Type.Object(
    {
      host: Type.String({ default: '0.0.0.0' }),
      port: Type.Integer({ default: port, minimum: 0, maximum: 65535 }),
      /** @defaultValue 1 MiB */
      bodyLimit: Type.Integer({ default: 1024 * 1024, minimum: 1024 }),
      corsOrigins: Type.Array(Type.String(), { default: [] }),
      /**
       * Connections the kernel keeps waiting to be accepted (the listen backlog; Linux caps it at
       * net.core.somaxconn). Node's 511 overflows when thousands of buyers connect within seconds
       * while the event loop is busy, and the kernel then resets connections. @defaultValue 4096
       */
      backlog: Type.Integer({ default: 4096, minimum: 1, maximum: 65535 }),
    },
    { default: {} },
  );

export const logSection = Type.Object(
  {
    level: Type.Union(
      [
        Type.Literal('fatal'),
        Type.Literal('error'),
        Type.Literal('warn'),
        Type.Literal('info'),
        Type.Literal('debug'),
        Type.Literal('trace'),
        Type.Literal('silent'),
      ],
      { default: 'info' },
    ),
  },
  { default: {} },
);

export const databaseSection = Type.Object(
  {
    url: Type.String({ default: 'postgres://ticketing:ticketing@127.0.0.1:5432/ticketing', minLength: 1 }),
    /** Connections of this process's pool, unless `connectionBudget` is set. @defaultValue 10 */
    poolSize: Type.Integer({ default: 10, minimum: 1, maximum: 200 }),
    /**
     * Connections this service may hold on the server across all its processes (its share of
     * `max_connections`, or of a PgBouncer pool). When set, each process's pool is
     * `floor(connectionBudget / instances)` (at least 2), so adding instances never exceeds the
     * server's limit; 0 uses `poolSize`. @defaultValue 0
     */
    connectionBudget: Type.Integer({ default: 0, minimum: 0, maximum: 100_000 }),
    /** Processes of this service sharing `connectionBudget` (the autoscaler's maximum, not the current count). @defaultValue 1 */
    instances: Type.Integer({ default: 1, minimum: 1, maximum: 10_000 }),
    /**
     * Apply pending migrations when the process starts. Set false where a separate step runs
     * `npm run migrate` first (the Helm chart's migration Job): the process then refuses to start
     * while a migration it knows is still pending. @defaultValue true
     */
    migrateOnStart: Type.Boolean({ default: true }),
  },
  { default: {} },
);

/** The pool size a process uses: its share of the service's connection budget when one is set, else `poolSize`. */
export function poolSizeOf(database: { poolSize: number; connectionBudget: number; instances: number }): number {
  if (database.connectionBudget <= 0) return database.poolSize;
  return Math.max(2, Math.floor(database.connectionBudget / database.instances));
}

/**
 * The small HTTP port of a standalone worker: /health, /health/live, /health/ready and /metrics.
 * Port 0 takes a free port (logged at start), so that workers started side by side never clash;
 * a deployment sets a fixed one. @defaultValue port 0
 */
export const workerHttpSection = Type.Object(
  {
    host: Type.String({ default: '0.0.0.0' }),
    port: Type.Integer({ default: 0, minimum: 0, maximum: 65535 }),
  },
  { default: {} },
);

export const redisSection = Type.Object(
  {
    /** `standalone` (url), `sentinel` (sentinels + sentinelName) or `cluster` (clusterNodes). @defaultValue standalone */
    mode: Type.Union([Type.Literal('standalone'), Type.Literal('sentinel'), Type.Literal('cluster')], { default: 'standalone' }),
    /** Standalone: the server's URL (`rediss://` for TLS; password and db index in the URL). */
    url: Type.String({ default: 'redis://127.0.0.1:6379' }),
    /** Sentinel: `host:port` of each sentinel. */
    sentinels: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    /** Sentinel: the monitored master's name. @defaultValue mymaster */
    sentinelName: Type.String({ default: 'mymaster', minLength: 1 }),
    /** Cluster: `host:port` of some of the cluster's nodes (the rest are discovered). */
    clusterNodes: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    /** Sentinel and cluster: the servers' password (standalone puts it in the URL). @defaultValue '' */
    password: Type.String({ default: '' }),
    /** Sentinel and cluster: connect with TLS. @defaultValue false */
    tls: Type.Boolean({ default: false }),
    /** When false the service uses an in-process cache (single instance only). */
    enabled: Type.Boolean({ default: true }),
    keyPrefix: Type.String({ default: '' }),
  },
  { default: {} },
);

export const kafkaSection = Type.Object(
  {
    /** Comma-separated host:port list. */
    brokers: Type.String({ default: '127.0.0.1:9092', minLength: 1 }),
    clientId: Type.String({ default: 'ticketing' }),
    /**
     * Static consumer-group membership (`group.instance.id`): a name stable across restarts of
     * this process and unique among the consumers of its groups (a pod name in a StatefulSet,
     * `bookings-worker-1`). A restarted consumer with the same name takes its partitions back at
     * once instead of waiting for the broker to expire the dead one. Empty: dynamic membership.
     * @defaultValue ''
     */
    instanceId: Type.String({ default: '', pattern: '^\\S*$', maxLength: 200 }),
    /**
     * How long the broker waits for a silent consumer before giving its partitions to others
     * (the pause after a crash without a restart). Brokers refuse less than their
     * `group.min.session.timeout.ms` (6000 by default). @defaultValue 6000
     */
    sessionTimeoutMs: Type.Integer({ default: 6000, minimum: 1000, maximum: 300_000 }),
    /** @defaultValue 500 */
    heartbeatIntervalMs: Type.Integer({ default: 500, minimum: 100, maximum: 60_000 }),
    /** How long a rebalance waits for members to rejoin. @defaultValue 10000 */
    rebalanceTimeoutMs: Type.Integer({ default: 10_000, minimum: 1000, maximum: 600_000 }),
    /** Replicas of each topic this service creates (3 on a production cluster). @defaultValue 1 */
    replicationFactor: Type.Integer({ default: 1, minimum: 1, maximum: 32 }),
    /**
     * `min.insync.replicas` of the topics this service creates (2 with a replication factor of 3:
     * a write survives one broker down); 0 keeps the broker's default. @defaultValue 0
     */
    minInsyncReplicas: Type.Integer({ default: 0, minimum: 0, maximum: 32 }),
    /**
     * Producer acknowledgements: `all` (every in-sync replica; the producer is idempotent, no
     * duplicates on retry), `leader` or `none` (faster, may lose or duplicate messages). @defaultValue all
     */
    acks: Type.Union([Type.Literal('all'), Type.Literal('leader'), Type.Literal('none')], { default: 'all' }),
    tls: Type.Object(
      {
        /** Connect to the brokers with TLS. @defaultValue false */
        enabled: Type.Boolean({ default: false }),
        /** PEM files; empty uses the system's CAs and no client certificate. */
        caFile: Type.String({ default: '' }),
        certFile: Type.String({ default: '' }),
        keyFile: Type.String({ default: '' }),
        /** @defaultValue true */
        rejectUnauthorized: Type.Boolean({ default: true }),
      },
      { default: {} },
    ),
    sasl: Type.Object(
      {
        /** Empty: no SASL. @defaultValue '' */
        mechanism: Type.Union([Type.Literal(''), Type.Literal('PLAIN'), Type.Literal('SCRAM-SHA-256'), Type.Literal('SCRAM-SHA-512')], {
          default: '',
        }),
        username: Type.String({ default: '' }),
        password: Type.String({ default: '' }),
      },
      { default: {} },
    ),
  },
  { default: {} },
);

/** A transactional outbox's relay (packages/bus createOutboxRelay): one schema for every service that has one. */
export const outboxSection = Type.Object(
  {
    /** Run the outbox relay in this process. @defaultValue true */
    enabled: Type.Boolean({ default: true }),
    /** Poll interval (the relay is also woken right after each commit that writes to the outbox). @defaultValue 250 */
    intervalMs: Type.Integer({ default: 250, minimum: 10 }),
    /** @defaultValue 500 */
    batchSize: Type.Integer({ default: 500, minimum: 1, maximum: 10_000 }),
    /** Longest wait between attempts while Kafka is down. @defaultValue 5000 */
    maxBackoffMs: Type.Integer({ default: 5000, minimum: 10 }),
    /** Published rows are deleted after this long. @defaultValue 3600 */
    retentionSeconds: Type.Integer({ default: 3600, minimum: 0 }),
  },
  { default: {} },
);

export const jwtSection = Type.Object(
  {
    secret: Type.String({ default: DEV_JWT_SECRET, minLength: 32 }),
    issuer: Type.String({ default: 'ticketing' }),
    ttlSeconds: Type.Integer({ default: 3600, minimum: 60, maximum: 86400 * 30 }),
    /** Separate secret for service-to-service tokens, so a user token can never pass for one. */
    internalSecret: Type.String({ default: DEV_INTERNAL_SECRET, minLength: 32 }),
    /**
     * How long a service trusts its local copy of a user's revoked tokens without hearing of a
     * change: how late a revocation can take effect when a pub/sub announcement is lost
     * (docs/users.md#revocation). @defaultValue 30000
     */
    revocationMaxAgeMs: Type.Integer({ default: 30_000, minimum: 0, maximum: 3_600_000 }),
  },
  { default: {} },
);

/**
 * The key that signs ticket codes (docs/tickets.md#keys): the Ed25519 private key is derived
 * from `signingSecret`; `previousPublicKeys` are the public keys (base64url) of retired secrets
 * whose codes still verify after a rotation.
 */
export const ticketsSection = Type.Object(
  {
    signingSecret: Type.String({ default: DEV_TICKET_SECRET, minLength: 32 }),
    previousPublicKeys: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }), { default: [] }),
  },
  { default: {} },
);

/** Environment variables of the ticketsSection (only the services that sign or verify tickets map them). */
export const ticketsEnv = {
  TICKET_SIGNING_SECRET: 'tickets.signingSecret',
  TICKET_PREVIOUS_PUBLIC_KEYS: 'tickets.previousPublicKeys[]',
} as const;

/** Environment variables understood by every service. */
export const commonEnv = {
  HOST: 'http.host',
  CORS_ORIGINS: 'http.corsOrigins[]',
  HTTP_BACKLOG: 'http.backlog',
  LOG_LEVEL: 'log.level',
  DATABASE_URL: 'database.url',
  DATABASE_POOL_SIZE: 'database.poolSize',
  DATABASE_CONNECTION_BUDGET: 'database.connectionBudget',
  SERVICE_INSTANCES: 'database.instances',
  MIGRATE_ON_START: 'database.migrateOnStart',
  REDIS_URL: 'redis.url',
  REDIS_ENABLED: 'redis.enabled',
  REDIS_KEY_PREFIX: 'redis.keyPrefix',
  REDIS_MODE: 'redis.mode',
  REDIS_SENTINELS: 'redis.sentinels[]',
  REDIS_SENTINEL_NAME: 'redis.sentinelName',
  REDIS_CLUSTER_NODES: 'redis.clusterNodes[]',
  REDIS_PASSWORD: 'redis.password',
  REDIS_TLS: 'redis.tls',
  KAFKA_BROKERS: 'kafka.brokers',
  KAFKA_INSTANCE_ID: 'kafka.instanceId',
  KAFKA_SESSION_TIMEOUT_MS: 'kafka.sessionTimeoutMs',
  KAFKA_HEARTBEAT_INTERVAL_MS: 'kafka.heartbeatIntervalMs',
  KAFKA_REBALANCE_TIMEOUT_MS: 'kafka.rebalanceTimeoutMs',
  KAFKA_REPLICATION_FACTOR: 'kafka.replicationFactor',
  KAFKA_MIN_INSYNC_REPLICAS: 'kafka.minInsyncReplicas',
  KAFKA_ACKS: 'kafka.acks',
  KAFKA_TLS: 'kafka.tls.enabled',
  KAFKA_TLS_CA_FILE: 'kafka.tls.caFile',
  KAFKA_TLS_CERT_FILE: 'kafka.tls.certFile',
  KAFKA_TLS_KEY_FILE: 'kafka.tls.keyFile',
  KAFKA_TLS_REJECT_UNAUTHORIZED: 'kafka.tls.rejectUnauthorized',
  KAFKA_SASL_MECHANISM: 'kafka.sasl.mechanism',
  KAFKA_SASL_USERNAME: 'kafka.sasl.username',
  KAFKA_SASL_PASSWORD: 'kafka.sasl.password',
  JWT_SECRET: 'jwt.secret',
  JWT_ISSUER: 'jwt.issuer',
  JWT_TTL_SECONDS: 'jwt.ttlSeconds',
  INTERNAL_JWT_SECRET: 'jwt.internalSecret',
  JWT_REVOCATION_MAX_AGE_MS: 'jwt.revocationMaxAgeMs',
} as const;

/** Refuses the development secrets when NODE_ENV=production. */
export function assertProductionSecrets(jwt: { secret: string; internalSecret: string }, env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_ENV === 'production' && (jwt.secret === DEV_JWT_SECRET || jwt.internalSecret === DEV_INTERNAL_SECRET)) {
    throw new Error('JWT_SECRET and INTERNAL_JWT_SECRET must be set in production');
  }
}

/** Refuses the development ticket signing secret when NODE_ENV=production: anyone could forge tickets with it. */
export function assertProductionTicketSecret(tickets: { signingSecret: string }, env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_ENV === 'production' && tickets.signingSecret === DEV_TICKET_SECRET) {
    throw new Error('TICKET_SIGNING_SECRET must be set in production');
  }
}

export interface LoadServiceConfigOptions<T extends TSchema> {
  /** Service name: `<NAME>_CONFIG_FILE` overrides the YAML file's path. */
  service: string;
  schema: T;
  /** The service's own config.yaml. */
  defaultFile: URL;
  /** The service's own environment variables; the common ones (commonEnv) are added. */
  envMap: Record<string, string>;
  overrides?: DeepPartial<Static<T>> | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * What every service's loadXConfig does: its YAML file (or `<NAME>_CONFIG_FILE`), the common and
 * its own environment variables, overrides, validation, and no development secrets in production.
 */
export function loadServiceConfig<T extends TSchema>(options: LoadServiceConfigOptions<T>): Readonly<Static<T>> {
  const env = options.env ?? process.env;
  const config = loadConfig({
    service: options.service,
    schema: options.schema,
    file: env[`${options.service.toUpperCase()}_CONFIG_FILE`] ?? fileURLToPath(options.defaultFile),
    env,
    overrides: options.overrides,
    envMap: { ...commonEnv, ...options.envMap },
  });
  const jwt = (config as { jwt?: { secret: string; internalSecret: string } }).jwt;
  if (jwt) assertProductionSecrets(jwt, env);
  const tickets = (config as { tickets?: { signingSecret: string } }).tickets;
  if (tickets) assertProductionTicketSecret(tickets, env);
  return config;
}
