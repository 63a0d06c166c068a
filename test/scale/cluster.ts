// The platform scaled out on one machine for test/scale-out.test.ts: several instances of every
// API and worker, each a real child process on its own port, against the shared PostgreSQL (a
// database of the test's own), Redis (a key prefix of its own) and Kafka (topics and consumer
// groups of its own). An instance can be stopped as an orchestrator does (SIGTERM, wait for the
// exit) and started again on the same port, and instances can be added and removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const APIS = ['users', 'events', 'bookings', 'notifications'] as const;
export const WORKERS = ['bookings-worker', 'notifications-worker'] as const;
export type Api = (typeof APIS)[number];
export type Kind = Api | (typeof WORKERS)[number];

const ENTRY: Record<Kind, string> = {
  users: 'services/users/src/server.ts',
  events: 'services/events/src/server.ts',
  bookings: 'services/bookings/src/server.ts',
  notifications: 'services/notifications/src/server.ts',
  'bookings-worker': 'services/bookings/src/worker.ts',
  'notifications-worker': 'services/notifications/src/worker.ts',
};

const PORT_ENV: Record<Kind, string> = {
  users: 'USERS_PORT',
  events: 'EVENTS_PORT',
  bookings: 'BOOKINGS_PORT',
  notifications: 'NOTIFICATIONS_PORT',
  'bookings-worker': 'WORKER_HTTP_PORT',
  'notifications-worker': 'WORKER_HTTP_PORT',
};

export interface ClusterOptions {
  /** Directory for the instances' logs and the mail files. */
  dir: string;
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string;
  /** Unique per run: topic, group and key prefix names. */
  id: string;
  /** Base URL(s) the bookings processes use for the event service (a balancer in front of its instances). */
  eventsUrl: string;
  /** Ports come from here; undefined: free ports chosen by the system. */
  portBase?: number;
  env?: Record<string, string>;
}

export interface Instance {
  kind: Kind;
  /** 1-based, unique per kind over the run (an added instance gets the next one). */
  n: number;
  name: string;
  port: number;
  /** The API's base URL, or the worker's probe and metrics URL. */
  url: string;
  child?: ChildProcess;
  log: string;
  logStart: number;
}

/** A port nobody listens on now (the system's choice), or the next one of the fixed range. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class Cluster {
  readonly instances: Instance[] = [];
  private readonly options: ClusterOptions;
  private readonly secrets = { jwt: randomBytes(32).toString('hex'), internal: randomBytes(32).toString('hex') };
  private nextPort: number | undefined;

  constructor(options: ClusterOptions) {
    this.options = options;
    this.nextPort = options.portBase;
  }

  /** The running instances of a kind. */
  of(kind: Kind): Instance[] {
    return this.instances.filter((i) => i.kind === kind && i.child !== undefined);
  }

  /** Base URLs of an API's instances (running or not: a client fails over between them). */
  urls(kind: Api): string[] {
    return this.instances.filter((i) => i.kind === kind).map((i) => i.url);
  }

  private env(instance: Instance): Record<string, string> {
    const { id } = this.options;
    return {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      // Warnings and errors only (request logs would cost the loaded machine); workers log
      // 'started' at info.
      LOG_LEVEL: instance.kind.endsWith('worker') ? 'info' : 'warn',
      HOST: '127.0.0.1',
      WORKER_HTTP_HOST: '127.0.0.1',
      [PORT_ENV[instance.kind]]: String(instance.port),
      DATABASE_URL: this.options.databaseUrl,
      // A dozen processes share one server with the rest of the suite.
      DATABASE_POOL_SIZE: '10',
      REDIS_URL: this.options.redisUrl,
      REDIS_KEY_PREFIX: `${id}:`,
      KAFKA_BROKERS: this.options.kafkaBrokers,
      KAFKA_PARTITIONS: '6',
      BOOKING_REQUESTS_TOPIC: `${id}.booking-requests`,
      NOTIFICATION_REQUESTS_TOPIC: `${id}.notification-requests`,
      EVENT_CANCELLATIONS_TOPIC: `${id}.event-cancellations`,
      BOOKING_WORKERS_GROUP: `${id}-booking-workers`,
      CANCELLATION_WORKERS_GROUP: `${id}-cancellation-workers`,
      EVENTS_SEAT_EVENTS_TOPIC: `${id}.seat-events`,
      EVENTS_EVENT_CHANGES_TOPIC: `${id}.event-changes`,
      EVENTS_WAITLIST_OFFERS_TOPIC: `${id}.waitlist-offers`,
      USERS_ACCOUNT_EMAILS_TOPIC: `${id}.account-emails`,
      NOTIFICATIONS_TOPIC: `${id}.notification-requests`,
      NOTIFICATIONS_ACCOUNT_EMAILS_TOPIC: `${id}.account-emails`,
      NOTIFICATIONS_GROUP_ID: `${id}-notifications`,
      // Static membership, as the chart's docs advise: a restarted worker takes its partitions back at once.
      KAFKA_INSTANCE_ID: `${id}-${instance.name}`,
      EVENTS_URL: this.options.eventsUrl,
      MAIL_TRANSPORT: 'file',
      MAIL_FILE_DIR: path.join(this.options.dir, 'mail'),
      REMINDERS_ENABLED: 'false',
      // The API processes serve HTTP only: the consumers run in the worker processes.
      WORKER_ENABLED: 'false',
      NOTIFICATIONS_RUN_WORKER: 'false',
      // Every process of one platform shares the secrets.
      JWT_SECRET: this.secrets.jwt,
      INTERNAL_JWT_SECRET: this.secrets.internal,
      ...this.options.env,
    };
  }

  /** Adds an instance of `kind` and starts it. */
  async add(kind: Kind): Promise<Instance> {
    const n = this.instances.filter((i) => i.kind === kind).length + 1;
    const port = this.nextPort === undefined ? await freePort() : this.nextPort++;
    const name = `${kind}-${n}`;
    const instance: Instance = {
      kind,
      n,
      name,
      port,
      url: `http://127.0.0.1:${port}`,
      log: path.join(this.options.dir, `${name}.log`),
      logStart: 0,
    };
    this.instances.push(instance);
    await this.start(instance);
    return instance;
  }

  /** Starts a stopped instance on its port and waits until it answers /health/ready. */
  async start(instance: Instance, timeoutMs = 120_000): Promise<void> {
    const fd = openSync(instance.log, 'a');
    instance.logStart = statSync(instance.log).size;
    const child = spawn(process.execPath, [ENTRY[instance.kind]], { cwd: root, env: this.env(instance), stdio: ['ignore', fd, fd] });
    closeSync(fd);
    instance.child = child;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${instance.name} exited (${child.exitCode ?? child.signalCode}) while starting:\n${this.logTail(instance)}`);
      }
      try {
        const res = await fetch(`${instance.url}/health/ready`, { signal: AbortSignal.timeout(5000) });
        await res.body?.cancel();
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`${instance.name} not ready after ${timeoutMs} ms:\n${this.logTail(instance)}`);
      await sleep(200);
    }
    // A worker is of use once it consumes: its log says so after it joined its group.
    if (instance.kind.endsWith('worker')) {
      const started = /(booking|notification) worker started/;
      while (!started.test(this.logSince(instance))) {
        if (Date.now() > deadline) throw new Error(`${instance.name} did not start consuming:\n${this.logTail(instance)}`);
        await sleep(200);
      }
    }
  }

  /** SIGTERM, as an orchestrator stops a pod, and waits for the exit (the drain). Returns the exit code. */
  async stop(instance: Instance, timeoutMs = 60_000): Promise<number | null> {
    const child = instance.child;
    if (!child) return null;
    instance.child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const gone = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.kill('SIGTERM');
    const code = await gone;
    clearTimeout(timer);
    return code;
  }

  /** Instances that exited without being stopped by the test. */
  dead(): string[] {
    return this.instances
      .filter((i) => i.child && (i.child.exitCode !== null || i.child.signalCode !== null))
      .map((i) => `${i.name} (${i.child!.exitCode ?? i.child!.signalCode}):\n${this.logTail(i)}`);
  }

  logSince(instance: Instance): string {
    try {
      return readFileSync(instance.log).subarray(instance.logStart).toString();
    } catch {
      return '';
    }
  }

  /** Error lines (level ≥ 50) and non-JSON lines the instances logged, for a failure's message. */
  problems(perInstance = 3): string[] {
    const out: string[] = [];
    for (const instance of this.instances) {
      let text = '';
      try {
        text = readFileSync(instance.log, 'utf8');
      } catch {
        continue;
      }
      const lines = text.split('\n').filter((line) => {
        if (line === '') return false;
        try {
          return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50;
        } catch {
          return true;
        }
      });
      out.push(...lines.slice(0, perInstance).map((l) => `[${instance.name}] ${l.slice(0, 500)}`));
    }
    return out;
  }

  logTail(instance: Instance, lines = 20): string {
    return this.logSince(instance)
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.instances.map((i) => this.stop(i, 20_000)));
  }
}
