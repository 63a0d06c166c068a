// Private PostgreSQL, Redis and Kafka for the fault matrix, run by scripts/infra.sh on their own
// ports and state directory (INFRA_DIR, INFRA_*_PORT), so the test can stop and restart them
// without touching the shared servers. infra.sh installs what is missing (apt, Maven Central).
// The moment a server is back is taken from the test's own probe, not from infra.sh returning
// (its readiness check starts a JVM, which takes seconds on a loaded machine).
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Admin } from '@platformatic/kafka';
import pg from 'pg';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export interface InfraPorts {
  postgres: number;
  redis: number;
  kafka: number;
  kafkaController: number;
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(200);
  }
}

type ServerName = 'postgres' | 'redis' | 'kafka';

/** One server of the private set: stopped and started with `infra.sh down|up <server>`. */
export class PrivateServer {
  readonly name: ServerName;
  private readonly env: NodeJS.ProcessEnv;
  private readonly probe: () => Promise<boolean>;

  constructor(name: ServerName, env: NodeJS.ProcessEnv, probe: () => Promise<boolean>) {
    this.name = name;
    this.env = env;
    this.probe = probe;
  }

  /** Stops it the way an operator does (PostgreSQL: `pg_ctl -m fast stop`; Kafka: controlled shutdown). */
  async stop(): Promise<void> {
    await infraScript(this.env, ['down', this.name]);
  }

  /** Starts it and resolves with the moment it first answered (epoch ms). */
  async start(): Promise<number> {
    let backAt: number | undefined;
    let done = false;
    const watching = (async () => {
      while (!done && backAt === undefined) {
        if (await this.probe()) backAt = Date.now();
        else await sleep(100);
      }
    })();
    try {
      await infraScript(this.env, ['up', this.name]);
      await until(this.name, 60_000, async () => backAt !== undefined);
    } finally {
      done = true;
      await watching;
    }
    return backAt!;
  }
}

async function infraScript(env: NodeJS.ProcessEnv, args: string[]): Promise<void> {
  try {
    await run('bash', [path.join(root, 'scripts/infra.sh'), ...args], { env, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`infra.sh ${args.join(' ')} failed: ${e.message}\n${(e.stderr ?? '').slice(-2000)}`);
  }
}

async function kafkaAnswers(brokers: string): Promise<boolean> {
  const admin = new Admin({ clientId: 'fault-matrix', bootstrapBrokers: [brokers], retries: 0 });
  try {
    await admin.metadata({ topics: [] });
    return true;
  } catch {
    return false;
  } finally {
    await admin.close().catch(() => {});
  }
}

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface PrivateInfra {
  postgres: PrivateServer & { url: string; connect(): Promise<pg.Client> };
  redis: PrivateServer & { url: string };
  kafka: PrivateServer & { brokers: string };
  /** Stops every server and deletes the state directory. */
  stop(): Promise<void>;
}

export async function startPrivateInfra(dir: string, ports: InfraPorts): Promise<PrivateInfra> {
  for (const [name, port] of Object.entries(ports)) {
    // infra.sh would reuse a server it finds on the port; this test must own its servers.
    if (await portOpen(port)) throw new Error(`port ${port} (${name}) is already in use; set FAULTS_PORT_BASE to another range`);
  }
  const settings = {
    INFRA_DIR: dir,
    INFRA_PG_PORT: String(ports.postgres),
    INFRA_REDIS_PORT: String(ports.redis),
    INFRA_KAFKA_PORT: String(ports.kafka),
    INFRA_KAFKA_CONTROLLER_PORT: String(ports.kafkaController),
    INFRA_PG_SHARED_BUFFERS: '128MB',
    KAFKA_HEAP_OPTS: '-Xms128m -Xmx512m',
  };
  // For whoever must clean up after a run that was killed (.ci/run's trap):
  // `(set -a; source <dir>.env; bash scripts/infra.sh reset)`.
  writeFileSync(
    `${dir}.env`,
    Object.entries(settings)
      .map(([k, v]) => `${k}='${v}'\n`)
      .join(''),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, ...settings };
  const url = `postgres://ticketing:ticketing@127.0.0.1:${ports.postgres}/ticketing`;
  const brokers = `127.0.0.1:${ports.kafka}`;
  const postgres = Object.assign(new PrivateServer('postgres', env, () => postgresAnswers(url)), {
    url,
    async connect() {
      const client = new pg.Client({ connectionString: url, application_name: 'fault-matrix' });
      client.on('error', () => {});
      await client.connect();
      return client;
    },
  });
  const redis = Object.assign(new PrivateServer('redis', env, () => portOpen(ports.redis)), { url: `redis://127.0.0.1:${ports.redis}` });
  const kafka = Object.assign(new PrivateServer('kafka', env, () => kafkaAnswers(brokers)), { brokers });
  const infra: PrivateInfra = {
    postgres,
    redis,
    kafka,
    async stop() {
      await infraScript(env, ['reset']).catch((err: Error) => console.error(err.message));
    },
  };
  try {
    await infraScript(env, ['up']);
  } catch (err) {
    await infra.stop();
    throw err;
  }
  return infra;
}
