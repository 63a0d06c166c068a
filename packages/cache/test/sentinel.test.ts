// Redis behind Sentinel, as a production deployment runs it: the cache finds the master through
// the sentinel and reads, writes and pub/sub work. The servers are private to this test (a Redis
// and a sentinel on their own ports), never the shared one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCacheFromConfig, type Cache } from '../src/index.ts';

const REDIS_PORT = Number(process.env.SENTINEL_TEST_REDIS_PORT ?? 15460);
const SENTINEL_PORT = REDIS_PORT + 1;
const dir = mkdtempSync(path.join(tmpdir(), 'sentinel-test-'));
const servers: ChildProcess[] = [];
let cache: Cache;

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
  for (let i = 0; ; i++) {
    try {
      await cache.ping();
      break;
    } catch (err) {
      if (i > 100) throw err;
      await sleep(100);
    }
  }
});

after(async () => {
  await cache?.close();
  for (const s of servers) s.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('a Redis cache in sentinel mode', () => {
  it('reads, writes and delivers pub/sub through the master the sentinel names', async () => {
    await cache.set('k', 'v', 60);
    assert.equal(await cache.get('k'), 'v');
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
