// Redis lost during an on-sale: the waiting room fails safe (no hold without a genuine admission
// token; nobody new admitted), keeps the queue, and admits again once Redis is back. The Redis
// here is private to this test (its own port and data directory, with an append-only file so
// that a restart keeps the queue), never the shared one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueId } from '@ticketing/testing';
import { assertError, createEvent, startEvents, type EventsServer } from './helpers.ts';

const PORT = Number(process.env.WAITING_ROOM_OUTAGE_REDIS_PORT ?? 16701);
const dir = mkdtempSync(path.join(tmpdir(), 'waiting-room-outage-'));
let redis: ChildProcess | undefined;
let server: EventsServer;

async function startRedis(): Promise<void> {
  redis = spawn(
    'redis-server',
    ['--port', String(PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir],
    { stdio: 'ignore' },
  );
}

async function stopRedis(): Promise<void> {
  const r = redis;
  redis = undefined;
  if (!r || r.exitCode !== null) return;
  r.kill('SIGTERM');
  await once(r, 'exit');
}

before(async () => {
  await startRedis();
  server = await startEvents({
    redis: { url: `redis://127.0.0.1:${PORT}`, keyPrefix: `${uniqueId('wro')}:` },
    waitingRoom: { admitIntervalMs: 50, settingsCacheMs: 0 },
  });
});
after(async () => {
  await server?.close();
  await stopRedis();
  rmSync(dir, { recursive: true, force: true });
});

describe('the waiting room while Redis is down', () => {
  it('admits nobody without a genuine token, keeps the places, and admits again once Redis is back', async () => {
    const organizer = server.user();
    const event = await createEvent(server.api, organizer.token);
    const id = event.event_id;
    const room = (opensAt: Date) =>
      server.api('PUT', `/api/events/${id}/waiting-room`, {
        token: organizer.token,
        body: { enabled: true, opens_at: opensAt.toISOString(), admit_per_minute: 60_000, grace_seconds: 3600 },
      });
    const place = (token: string) => server.api('GET', `/api/events/${id}/queue/me`, { token });
    const hold = (token: string, seat: string, admission?: string) =>
      server.api('POST', `/api/events/${id}/hold`, {
        token,
        body: { seat_numbers: [seat] },
        headers: admission ? { 'admission-token': admission } : {},
      });
    async function admissionOf(token: string): Promise<string> {
      for (let i = 0; i < 300; i++) {
        const res = await place(token);
        if (res.status === 200 && res.body.status === 'admitted') return res.body.admission_token;
        await sleep(50);
      }
      throw new Error('not admitted in time');
    }

    // Ready: Redis answers.
    assert.equal((await room(new Date())).status, 200);
    for (let i = 0; (await server.api('POST', `/api/events/${id}/queue`, { token: server.user().token })).status !== 201; i++) {
      if (i > 100) throw new Error('Redis did not start');
      await sleep(100);
    }
    const a = server.user();
    const b = server.user();
    const c = server.user();
    assert.equal((await server.api('POST', `/api/events/${id}/queue`, { token: a.token })).status, 201);
    const tokenA = await admissionOf(a.token);
    // Admission paused (T moved an hour ahead); b and c wait.
    assert.equal((await room(new Date(Date.now() + 3_600_000))).status, 200);
    assert.equal((await server.api('POST', `/api/events/${id}/queue`, { token: b.token })).status, 201);
    assert.equal((await server.api('POST', `/api/events/${id}/queue`, { token: c.token })).status, 201);

    await stopRedis();
    // T arrives while Redis is down: nobody can be admitted.
    assert.equal((await room(new Date())).status, 200);
    const joined = await server.api('POST', `/api/events/${id}/queue`, { token: server.user().token });
    assertError(joined, 503, 'waiting_room_unavailable');
    assert.ok(Number(joined.headers.get('retry-after')) >= 1);
    assertError(await place(b.token), 503, 'waiting_room_unavailable');
    assertError(await hold(b.token, 'A2'), 403, 'admission_required');
    assertError(await hold(c.token, 'A3', tokenA), 403, 'admission_token_wrong_account');
    // A genuine token of an admitted buyer still holds, once.
    assert.equal((await hold(a.token, 'A1', tokenA)).status, 201);
    assertError(await hold(a.token, 'A4', tokenA), 409, 'admission_token_used');
    const during = await server.sql.query('SELECT 1 FROM holds WHERE event_id = $1 AND user_id <> $2', [id, a.userId]);
    assert.equal(during.rowCount, 0, 'no hold without an admission');

    await startRedis();
    // Back: b and c keep their places and are admitted; a's use made while Redis was away counts.
    const tokenB = await admissionOf(b.token);
    const tokenC = await admissionOf(c.token);
    assert.equal((await hold(b.token, 'B1', tokenB)).status, 201);
    assert.equal((await hold(c.token, 'B2', tokenC)).status, 201);
    assertError(await hold(a.token, 'A5', tokenA), 409, 'admission_token_used');
    const { rows } = await server.sql.query<{ user_id: string; n: string }>(
      'SELECT user_id, count(*) AS n FROM holds WHERE event_id = $1 GROUP BY user_id',
      [id],
    );
    assert.deepEqual(
      new Map(rows.map((r) => [r.user_id, Number(r.n)])),
      new Map([
        [a.userId, 1],
        [b.userId, 1],
        [c.userId, 1],
      ]),
    );
  });
});
