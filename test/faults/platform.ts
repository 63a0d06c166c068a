// The platform in distributed mode for the fault matrix: each HTTP API and each worker its own
// process (as start-dev.sh runs them), plus the development SMTP sink, on private ports against
// the private servers. A process can be SIGKILLed and started again; each keeps a log file.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const PROCESS_NAMES = ['users', 'events', 'bookings', 'bookings-worker', 'notifications', 'notifications-worker'] as const;
export type ProcessName = (typeof PROCESS_NAMES)[number] | 'smtp-sink';

export interface PlatformPorts {
  users: number;
  events: number;
  bookings: number;
  notifications: number;
  smtp: number;
}

export interface PlatformOptions {
  dir: string;
  ports: PlatformPorts;
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string;
  /** Extra environment for every process (e.g. PAYMENT_LATENCY_MS). */
  env?: Record<string, string>;
}

interface Spec {
  file: string;
  env: Record<string, string>;
  /** HTTP port answering /health, or a log line that says a worker is running. */
  port?: number;
  ready?: RegExp;
}

interface Running {
  child: ChildProcess;
  log: string;
  /** Byte offset of the log where this instance started. */
  logStart: number;
  /** Set when the test itself killed it. */
  killedByTest: boolean;
}

export class Platform {
  readonly urls: { users: string; events: string; bookings: string; notifications: string };
  private readonly specs: Record<ProcessName, Spec>;
  private readonly running = new Map<ProcessName, Running>();
  private readonly options: PlatformOptions;

  constructor(options: PlatformOptions) {
    this.options = options;
    const { ports } = options;
    this.urls = {
      users: `http://127.0.0.1:${ports.users}`,
      events: `http://127.0.0.1:${ports.events}`,
      bookings: `http://127.0.0.1:${ports.bookings}`,
      notifications: `http://127.0.0.1:${ports.notifications}`,
    };
    this.specs = {
      'smtp-sink': {
        file: 'scripts/smtp-sink.ts',
        env: { SMTP_SINK_PORT: String(ports.smtp), SMTP_SINK_DIR: path.join(options.dir, 'mail') },
      },
      users: { file: 'services/users/src/server.ts', env: {}, port: ports.users },
      events: { file: 'services/events/src/server.ts', env: {}, port: ports.events },
      bookings: { file: 'services/bookings/src/server.ts', env: { WORKER_ENABLED: 'false' }, port: ports.bookings },
      'bookings-worker': {
        file: 'services/bookings/src/worker.ts',
        // static group membership, as start-dev.sh and the docs set it: a restarted worker resumes at once
        env: { LOG_LEVEL: 'info', KAFKA_INSTANCE_ID: 'faults-bookings-worker' },
        ready: /booking worker started/,
      },
      notifications: {
        file: 'services/notifications/src/server.ts',
        env: { NOTIFICATIONS_RUN_WORKER: 'false' },
        port: ports.notifications,
      },
      'notifications-worker': {
        file: 'services/notifications/src/worker.ts',
        env: { LOG_LEVEL: 'info', KAFKA_INSTANCE_ID: 'faults-notifications-worker' },
        ready: /notification worker started/,
      },
    };
  }

  private commonEnv(): Record<string, string> {
    const { ports } = this.options;
    return {
      NODE_ENV: 'development',
      // Warnings and errors only (request logs would cost the loaded machine); workers log
      // 'started' at info, which is how the test knows they are ready.
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DATABASE_URL: this.options.databaseUrl,
      REDIS_URL: this.options.redisUrl,
      KAFKA_BROKERS: this.options.kafkaBrokers,
      USERS_PORT: String(ports.users),
      EVENTS_PORT: String(ports.events),
      BOOKINGS_PORT: String(ports.bookings),
      NOTIFICATIONS_PORT: String(ports.notifications),
      EVENTS_URL: this.urls.events,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(ports.smtp),
      MAIL_TRANSPORT: 'smtp',
      // Every process of one platform must share the secrets.
      JWT_SECRET: secrets.jwt,
      INTERNAL_JWT_SECRET: secrets.internal,
      ...this.options.env,
    };
  }

  /** Starts every process and waits until each is ready. */
  async start(): Promise<void> {
    await this.startProcess('smtp-sink');
    // Events first: the migrations of the first process and the topics are created without a race.
    for (const name of PROCESS_NAMES) await this.startProcess(name);
  }

  async startProcess(name: ProcessName, timeoutMs = 90_000): Promise<void> {
    const spec = this.specs[name];
    const log = path.join(this.options.dir, `${name}.log`);
    const fd = openSync(log, 'a');
    const logStart = statSync(log).size;
    const child = spawn(process.execPath, [spec.file], {
      cwd: root,
      env: { ...process.env, ...this.commonEnv(), ...spec.env },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.running.set(name, { child, log, logStart, killedByTest: false });
    await this.waitReady(name, timeoutMs);
  }

  private async waitReady(name: ProcessName, timeoutMs: number): Promise<void> {
    const spec = this.specs[name];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.running.get(name)!;
      if (r.child.exitCode !== null || r.child.signalCode !== null) {
        throw new Error(`${name} exited (${r.child.exitCode ?? r.child.signalCode}) while starting:\n${this.logTail(name)}`);
      }
      if (spec.port !== undefined) {
        try {
          const res = await fetch(`http://127.0.0.1:${spec.port}/health`, { signal: AbortSignal.timeout(2000) });
          if (res.status === 200) return;
        } catch {
          // not listening yet
        }
      } else if (spec.ready) {
        if (spec.ready.test(this.logSince(name))) return;
      } else if (/listening/.test(this.logSince(name))) {
        return;
      }
      if (Date.now() > deadline) throw new Error(`${name} not ready after ${timeoutMs} ms:\n${this.logTail(name)}`);
      await sleep(100);
    }
  }

  /** SIGKILL, as a crash or an OOM kill would. */
  async kill(name: ProcessName): Promise<void> {
    const r = this.running.get(name);
    if (!r) return;
    r.killedByTest = true;
    if (r.child.exitCode === null && r.child.signalCode === null) {
      const gone = new Promise((resolve) => r.child.once('exit', resolve));
      r.child.kill('SIGKILL');
      await gone;
    }
  }

  /** Processes that exited without the test killing them, with their exit and last log lines. */
  dead(): { name: ProcessName; exit: string; log: string }[] {
    const out: { name: ProcessName; exit: string; log: string }[] = [];
    for (const [name, r] of this.running) {
      if (r.child.exitCode !== null || r.child.signalCode !== null) {
        out.push({ name, exit: String(r.child.exitCode ?? r.child.signalCode), log: this.crashExcerpt(name) });
      }
    }
    return out;
  }

  /** The log written by the current instance of a process. */
  logSince(name: ProcessName): string {
    const r = this.running.get(name);
    if (!r) return '';
    return readFileSync(r.log).subarray(r.logStart).toString();
  }

  /** The first error lines each process logged since `since` (epoch ms), for findings. */
  problems(since: number, perProcess = 4): string[] {
    const all: string[] = [];
    for (const name of this.running.keys()) {
      const lines: string[] = [];
      for (const line of this.logSince(name).split('\n')) {
        if (lines.length >= perProcess) break;
        if (!line) continue;
        let entry: { level?: number; time?: string } | undefined;
        try {
          entry = JSON.parse(line) as { level?: number; time?: string };
        } catch {
          // a non-JSON line (a stack trace printed by node itself) is always worth reading
          if (!/^\s*$/.test(line)) lines.push(`[${name}] ${line}`);
          continue;
        }
        // Errors only: warnings include the expected retries of flaky cards.
        const at = entry.time === undefined ? since : Date.parse(entry.time);
        if ((entry.level ?? 0) >= 50 && at >= since) lines.push(`[${name}] ${line.slice(0, 600)}`);
      }
      all.push(...lines);
    }
    return all;
  }

  /** The first lines node printed itself (an uncaught error and its stack), else the log's tail. */
  crashExcerpt(name: ProcessName, lines = 8): string {
    const log = this.logSince(name).split('\n');
    const first = log.findIndex((l) => l !== '' && !l.startsWith('{'));
    return first < 0 ? log.slice(-lines).join('\n') : log.slice(first, first + lines).join('\n');
  }

  logTail(name: ProcessName, lines = 30): string {
    const r = this.running.get(name);
    if (!r) return '';
    return readFileSync(r.log, 'utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.running.values()].map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const gone = new Promise((resolve) => child.once('exit', resolve));
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.kill('SIGTERM');
        await gone;
        clearTimeout(timer);
      }),
    );
  }
}

const secrets = { jwt: randomBytes(32).toString('hex'), internal: randomBytes(32).toString('hex') };
