// A service started without JWT_SECRET / INTERNAL_JWT_SECRET outside production must not accept
// tokens signed with the repository's public development values: it generates its own secrets,
// keeps them in a file, and reuses them after a restart (so tokens survive it).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { issueUserToken } from '@ticketing/auth';
import { DEV_JWT_SECRET } from '@ticketing/config';
import { apiClient, testInfra, uniqueEmail } from '@ticketing/testing';

const root = path.resolve(import.meta.dirname, '..');
const PORT = Number(process.env.DEV_SECRETS_TEST_PORT ?? 15431);
const dir = mkdtempSync(path.join(tmpdir(), 'dev-secrets-'));
const secretsFile = path.join(dir, 'secrets.json');
let child: ChildProcess | undefined;
let output = '';

async function startUsers(): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: testInfra.databaseUrl,
    REDIS_URL: testInfra.redisUrl,
    USERS_PORT: String(PORT),
    HOST: '127.0.0.1',
    SECRETS_FILE: secretsFile,
    BCRYPT_ROUNDS: '4',
    LOG_LEVEL: 'warn',
  };
  delete env.JWT_SECRET;
  delete env.INTERNAL_JWT_SECRET;
  delete env.NODE_ENV;
  child = spawn(process.execPath, ['services/users/src/server.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) assert.fail(`users exited:\n${output}`);
    const ok = await fetch(`http://127.0.0.1:${PORT}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  assert.fail(`users never became healthy:\n${output}`);
}

async function stopUsers(): Promise<void> {
  const c = child;
  child = undefined;
  if (!c || c.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  });
}

after(async () => {
  await stopUsers();
  rmSync(dir, { recursive: true, force: true });
});

describe('a service started without JWT secrets (outside production)', () => {
  it('refuses tokens signed with the public development secret, and keeps its own secrets across a restart', async () => {
    await startUsers();
    const api = apiClient(`http://127.0.0.1:${PORT}`);
    assert.equal(statSync(secretsFile).mode & 0o777, 0o600, 'the generated secrets are readable by the owner only');

    const forged = issueUserToken(
      { userId: randomUUID(), email: 'mallory@example.test', role: 'admin' },
      { secret: DEV_JWT_SECRET, issuer: 'ticketing', ttlSeconds: 600 },
    ).token;
    const res = await api('GET', '/api/users/profile', { token: forged });
    assert.equal(res.status, 401, res.text);
    assert.equal(res.body.error, 'invalid_token');

    const user = { email: uniqueEmail(), password: 'correct horse battery', first_name: 'Ada', last_name: 'Lovelace' };
    assert.equal((await api('POST', '/api/users/register', { body: user })).status, 201);
    const login = await api('POST', '/api/users/login', { body: { email: user.email, password: user.password } });
    assert.equal(login.status, 200, login.text);
    const token = login.body.access_token as string;
    assert.equal((await api('GET', '/api/users/profile', { token })).status, 200);

    await stopUsers();
    await startUsers();
    const after = await api('GET', '/api/users/profile', { token });
    assert.equal(after.status, 200, `a token issued before the restart still works: ${after.text}`);
  });
});
