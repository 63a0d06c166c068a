import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, redact, Type } from '../src/index.ts';

const schema = Type.Object({
  http: Type.Object(
    { port: Type.Integer({ default: 8081, minimum: 0, maximum: 65535 }), origins: Type.Array(Type.String(), { default: [] }) },
    { default: {} },
  ),
  jwt: Type.Object({ secret: Type.String({ default: 'dev', minLength: 3 }) }, { default: {} }),
});
const envMap = { PORT: 'http.port', ORIGINS: 'http.origins[]', JWT_SECRET: 'jwt.secret' };

describe('loadConfig', () => {
  it('applies defaults, then the YAML file, then the environment, then overrides', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cfg-'));
    const file = path.join(dir, 'c.yaml');
    writeFileSync(file, 'http:\n  port: 9000\njwt:\n  secret: from-file\n');
    assert.equal(loadConfig({ service: 's', schema, env: {} }).http.port, 8081);
    assert.equal(loadConfig({ service: 's', schema, file, env: {} }).http.port, 9000);
    const c = loadConfig({ service: 's', schema, file, envMap, env: { PORT: '9100', ORIGINS: 'https://a.test, https://b.test' } });
    assert.equal(c.http.port, 9100);
    assert.deepEqual(c.http.origins, ['https://a.test', 'https://b.test']);
    assert.equal(c.jwt.secret, 'from-file');
    assert.equal(loadConfig({ service: 's', schema, file, envMap, env: { PORT: '9100' }, overrides: { http: { port: 1 } } }).http.port, 1);
    assert.ok(Object.isFrozen(c.http));
  });

  it('names every bad key in one readable error', () => {
    assert.throws(
      () => loadConfig({ service: 'users', schema, envMap, env: { PORT: 'eighty', JWT_SECRET: 'x' } }),
      (err: unknown) =>
        err instanceof ConfigError && /http\.port/.test(err.message) && /jwt\.secret/.test(err.message) && /^users:/.test(err.message),
    );
  });

  it('redacts secrets and URL passwords for logs', () => {
    const out = redact({ jwt: { secret: 's3cret' }, database: { url: 'postgres://u:pw@h/db' }, smtp: { password: 'p' } }) as any;
    assert.equal(out.jwt.secret, '[redacted]');
    assert.equal(out.smtp.password, '[redacted]');
    assert.equal(out.database.url, 'postgres://u:[redacted]@h/db');
  });
});
