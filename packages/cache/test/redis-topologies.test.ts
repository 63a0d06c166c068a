// Redis as production deployments run it: behind Sentinel (the cache finds the master through the
// sentinel) and as a Cluster of three masters (keys spread over slots). Reads, writes, counters
// (one or many at once) and pub/sub work in both. The servers are private to this test (ports REDIS_TOPOLOGY_TEST_PORT
// and the next four), never the shared one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCacheFromConfig, type Cache } from '../src/index.ts';

const REDIS_PORT = Number(process.env.REDIS_TOPOLOGY_TEST_PORT ?? 15460);
const SENTINEL_PORT = REDIS_PORT + 1;
const CLUSTER_PORTS = [REDIS_PORT + 2, REDIS_PORT + 3, REDIS_PORT + 4];
const run = promisify(execFile);
const dir0 = mkdtempSync(path.join(tmpdir(), 'redis-topologies-'));
const dir = dir0;
const servers: ChildProcess[] = [];
let cache: Cache;
let clusterCache: Cache | undefined;

function serve(args: string[]): void {
  servers.push(spawn('redis-server', args, { stdio: 'ignore', cwd: dir }));
}

before(async () => {
  serve(['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  const conf = path.join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [`port ${SENTINEL_PORT}`, 'bind 127.0.0.1', `sentinel monitor primary 127.0.0.1 ${REDIS_PORT} 1`, `dir ${dir}`, ''].join('\n'),
  );
  serve([conf, '--sentinel']);
  cache = createCacheFromConfig({
    enabled: true,
    url: '',
    keyPrefix: 'sentinel-test:',
    mode: 'sentinel',
    sentinels: [`127.0.0.1:${SENTINEL_PORT}`],
    sentinelName: 'primary',
  });
  await until('the sentinel-named master to answer', () => cache.ping().then(() => true));
});

after(async () => {
  await cache?.close();
  await clusterCache?.close();
  for (const s of servers) s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('a Redis cache in sentinel mode', () => {
  it('reads, writes and delivers pub/sub through the master the sentinel names', async () => {
    await cache.set('k', 'v', 60);
    assert.equal(await cache.get('k'), 'v');
    assert.deepEqual(await cache.getMany(['k', 'absent', 'k']), ['v', null, 'v']);
    let message: string | undefined;
    await cache.subscribe('channel', (m) => (message = m));
    for (let i = 0; message === undefined && i < 50; i++) {
      await cache.publish('channel', 'hello');
      await sleep(100);
    }
    assert.equal(message, 'hello');
    await cache.del('k');
    assert.equal(await cache.get('k'), null);
  });

  it('refuses sentinel mode without sentinels, with the setting named', () => {
    assert.throws(
      () => createCacheFromConfig({ enabled: true, url: '', keyPrefix: '', mode: 'sentinel', sentinels: [] }),
      /REDIS_SENTINELS/,
    );
  });
});

// Polls for up to a minute: a cluster's nodes agree by gossip, which a loaded machine slows down.
async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  let last: unknown;
  for (let i = 0; ; i++) {
    if (await probe().catch((err: unknown) => ((last = err), false))) return;
    if (i > 600)
      throw new Error(
        `${what} did not happen in a minute${last ? ` (last: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ''}`,
      );
    await sleep(100);
  }
}

describe('a Redis cache in cluster mode', () => {
  before(async () => {
    for (const port of CLUSTER_PORTS) {
      const dir = path.join(dir0, String(port));
      mkdirSync(dir);
      servers.push(
        spawn(
          'redis-server',
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            path.join(dir, 'nodes.conf'),
            '--dir',
            dir,
            '--save',
            '',
            '--appendonly',
            'no',
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    const nodes = CLUSTER_PORTS.map((p) => `127.0.0.1:${p}`);
    await until('cluster nodes listening', async () =>
      (await run('redis-cli', ['-p', String(CLUSTER_PORTS[0]), 'ping'])).stdout.includes('PONG'),
    );
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    // Every node, not one: the client asks any of them, and retries with a growing pause while
    // the one it asked still says the cluster is not ok.
    for (const port of CLUSTER_PORTS)
      await until(`cluster state ok on ${port}`, async () =>
        (await run('redis-cli', ['-p', String(port), 'cluster', 'info'])).stdout.includes('cluster_state:ok'),
      );
    clusterCache = createCacheFromConfig({
      enabled: true,
      url: '',
      keyPrefix: 'cluster-test:',
      mode: 'cluster',
      clusterNodes: [nodes[0]!],
    });
    await until('cache connected', async () => {
      await clusterCache!.ping();
      return true;
    });
  });

  it('reads, writes, counts, deletes keys of different slots at once, and delivers pub/sub', async () => {
    const c = clusterCache!;
    const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);
    for (const k of keys) await c.set(k, k.toUpperCase(), 60);
    assert.equal(await c.get('key-7'), 'KEY-7');
    assert.deepEqual(await c.getMany(['key-7', 'absent', 'key-13']), ['KEY-7', null, 'KEY-13']);
    assert.equal((await c.incrWindow('counter', 10_000)).count, 1);
    assert.equal((await c.incrWindow('counter', 10_000)).count, 2);
    await c.del(...keys);
    assert.deepEqual(
      await Promise.all(keys.map((k) => c.get(k))),
      keys.map(() => null),
    );
    let message: string | undefined;
    await c.subscribe('channel', (m) => (message = m));
    for (let i = 0; message === undefined && i < 50; i++) {
      await c.publish('channel', 'hello');
      await sleep(100);
    }
    assert.equal(message, 'hello');
  });
});
