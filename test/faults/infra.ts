// Private PostgreSQL, Redis and Kafka for the fault matrix: own ports, own data under a temporary
// directory, so the test can stop and restart them without touching the shared servers. Uses the
// same binaries as scripts/infra.sh (Debian postgres under /usr/lib/postgresql/*/bin,
// redis-server, the Kafka jars it caches); `scripts/infra.sh up` installs them when missing.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir } from 'node:os';
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

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  child.kill('SIGTERM');
  await exited(child);
  clearTimeout(timer);
}

function pgBinDir(): string {
  const dirs = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql')
        .filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/pg_ctl`))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (dirs.length === 0) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (run scripts/infra.sh up)');
  return `/usr/lib/postgresql/${dirs[0]}/bin`;
}

/** PostgreSQL must not run as root: commands run as the `postgres` OS user when we are root. */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

export class PrivatePostgres {
  readonly url: string;
  private readonly bin = pgBinDir();
  private readonly data: string;
  private readonly log: string;
  private readonly dir: string;
  readonly port: number;

  constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.data = path.join(dir, 'pgdata');
    this.log = path.join(dir, 'postgres.log');
    this.url = `postgres://ticketing:ticketing@127.0.0.1:${port}/ticketing`;
  }

  private async pgCtl(args: string[]): Promise<void> {
    const [cmd, argv] = asPostgres(path.join(this.bin, 'pg_ctl'), args);
    await run(cmd, argv, { cwd: '/', timeout: 120_000 });
  }

  async init(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    if (process.getuid?.() === 0) chownSync(this.dir, ...(await postgresIds()));
    const [cmd, argv] = asPostgres(path.join(this.bin, 'initdb'), [
      '-D',
      this.data,
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--locale=C',
      '--auth=trust',
    ]);
    await run(cmd, argv, { cwd: '/', timeout: 120_000 });
    // A throwaway cluster: durability off (fsync) only makes it faster; a fast stop still
    // checkpoints, so the restart fault loses nothing.
    writeFileSync(
      path.join(this.data, 'postgresql.auto.conf'),
      [
        "listen_addresses = '127.0.0.1'",
        `port = ${this.port}`,
        `unix_socket_directories = '${this.dir}'`,
        'max_connections = 200',
        'shared_buffers = 128MB',
        'fsync = off',
        'full_page_writes = off',
        "log_line_prefix = '%m [%p] %q%u@%d %a '",
        'log_min_duration_statement = 2000',
        '',
      ].join('\n'),
    );
    if (process.getuid?.() === 0) chownSync(path.join(this.data, 'postgresql.auto.conf'), ...(await postgresIds()));
    await this.start();
    const admin = new pg.Client({ host: '127.0.0.1', port: this.port, user: 'postgres', database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE ROLE ticketing LOGIN SUPERUSER PASSWORD 'ticketing'`);
    await admin.query('CREATE DATABASE ticketing OWNER ticketing');
    await admin.end();
  }

  async start(): Promise<void> {
    await this.pgCtl(['-D', this.data, '-l', this.log, '-w', '-t', '90', 'start']);
  }

  /** `pg_ctl -m fast stop`: every backend is disconnected at once. */
  async stop(): Promise<void> {
    if (!existsSync(path.join(this.data, 'postmaster.pid'))) return;
    await this.pgCtl(['-D', this.data, '-m', 'fast', '-w', '-t', '90', 'stop']);
  }

  /** A superuser connection (caller ends it). */
  async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'fault-matrix' });
    client.on('error', () => {});
    await client.connect();
    return client;
  }
}

let pgIds: [number, number] | undefined;
async function postgresIds(): Promise<[number, number]> {
  if (!pgIds) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    pgIds = [uid, gid];
  }
  return pgIds;
}

export class PrivateRedis {
  readonly url: string;
  private child: ChildProcess | undefined;
  private readonly dir: string;
  readonly port: number;

  constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const out = openSync(path.join(this.dir, 'redis.log'), 'a');
    this.child = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdio: ['ignore', out, out] },
    );
    await until('redis', 30_000, () => portOpen(this.port));
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child, 10_000);
    this.child = undefined;
  }
}

export class PrivateKafka {
  readonly brokers: string;
  private child: ChildProcess | undefined;
  private readonly libs: string;
  private readonly conf: string;
  private readonly data: string;
  private readonly dir: string;
  readonly port: number;
  readonly controllerPort: number;

  constructor(dir: string, port: number, controllerPort: number) {
    this.dir = dir;
    this.port = port;
    this.controllerPort = controllerPort;
    this.brokers = `127.0.0.1:${port}`;
    const cache = process.env.TICKETING_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'ticketing');
    this.libs = path.join(cache, `kafka-${process.env.KAFKA_VERSION ?? '4.1.1'}`, 'libs');
    this.conf = path.join(dir, 'server.properties');
    this.data = path.join(dir, 'data');
  }

  private java(mainClass: string, args: string[], heap: string[]): string[] {
    return [
      ...heap,
      '-XX:+UseSerialGC',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${path.join(this.dir, 'log4j2.xml')}`,
      '-cp',
      `${this.libs}/*`,
      mainClass,
      ...args,
    ];
  }

  async init(): Promise<void> {
    if (!existsSync(this.libs)) {
      // scripts/infra.sh knows how to fetch them (Maven Central) and where it caches them.
      await run('bash', [path.join(root, 'scripts/infra.sh'), 'jars'], { timeout: 600_000 });
    }
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(
      this.conf,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.bootstrap.servers=127.0.0.1:${this.controllerPort}`,
        `listeners=PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        `log.dirs=${this.data}`,
        'num.network.threads=2',
        'num.io.threads=2',
        'num.partitions=3',
        'default.replication.factor=1',
        'min.insync.replicas=1',
        'auto.create.topics.enable=true',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=3',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(this.dir, 'log4j2.xml'),
      `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders><File name="file" fileName="${path.join(this.dir, 'kafka.log')}"><PatternLayout pattern="[%d] %p %m (%c)%n"/></File></Appenders>
  <Loggers><Root level="warn"><AppenderRef ref="file"/></Root></Loggers>
</Configuration>
`,
    );
    // A cluster id is 16 random bytes, URL-safe base64 without padding.
    const clusterId = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url');
    await run(
      'java',
      this.java(
        'kafka.tools.StorageTool',
        ['format', '--standalone', '-t', clusterId, '-c', this.conf],
        ['-Xmx256m', '-XX:TieredStopAtLevel=1'],
      ),
      { timeout: 120_000 },
    );
  }

  async start(): Promise<void> {
    const out = openSync(path.join(this.dir, 'kafka.out'), 'a');
    this.child = spawn('java', this.java('kafka.Kafka', [this.conf], ['-Xms128m', '-Xmx512m']), { stdio: ['ignore', out, out] });
    const child = this.child;
    await until('kafka', 120_000, async () => {
      if (child.exitCode !== null) throw new Error(`kafka exited with ${child.exitCode} (see ${this.dir}/kafka.out)`);
      if (!(await portOpen(this.port))) return false;
      const admin = new Admin({ clientId: 'fault-matrix', bootstrapBrokers: [this.brokers], retries: 0 });
      try {
        await admin.metadata({ topics: [] });
        return true;
      } catch {
        return false;
      } finally {
        await admin.close().catch(() => {});
      }
    });
  }

  /** Controlled shutdown (SIGTERM), as an operator stops a broker. */
  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child, 60_000);
    this.child = undefined;
  }
}

export interface PrivateInfra {
  postgres: PrivatePostgres;
  redis: PrivateRedis;
  kafka: PrivateKafka;
  stop(): Promise<void>;
}

export async function startPrivateInfra(dir: string, ports: InfraPorts): Promise<PrivateInfra> {
  for (const [name, port] of Object.entries(ports)) {
    if (await portOpen(port)) throw new Error(`port ${port} (${name}) is already in use; set FAULTS_PORT_BASE to another range`);
  }
  const postgres = new PrivatePostgres(path.join(dir, 'postgres'), ports.postgres);
  const redis = new PrivateRedis(path.join(dir, 'redis'), ports.redis);
  const kafka = new PrivateKafka(path.join(dir, 'kafka'), ports.kafka, ports.kafkaController);
  const infra: PrivateInfra = {
    postgres,
    redis,
    kafka,
    async stop() {
      await Promise.allSettled([kafka.stop(), redis.stop(), postgres.stop()]);
    },
  };
  try {
    await Promise.all([postgres.init(), redis.start(), kafka.init()]);
    await kafka.start();
  } catch (err) {
    await infra.stop();
    throw err;
  }
  return infra;
}
