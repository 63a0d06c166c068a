import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  commonEnv,
  ConfigError,
  databaseSection,
  httpSection,
  kafkaSection,
  loadConfig,
  poolSizeOf,
  redact,
  redisSection,
  Type,
} from '../src/index.ts';

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

describe('http section', () => {
  const load = (env: NodeJS.ProcessEnv) =>
    loadConfig({ service: 't', schema: Type.Object({ http: httpSection(8082) }), env, envMap: { ...commonEnv } });

  it('listens with a backlog of 4096 unless HTTP_BACKLOG says otherwise, and refuses 0', () => {
    assert.equal(load({}).http.backlog, 4096);
    assert.equal(load({ HTTP_BACKLOG: '1024' }).http.backlog, 1024);
    assert.throws(
      () => load({ HTTP_BACKLOG: '0' }),
      (err: unknown) => err instanceof ConfigError && /http\.backlog/.test(err.message),
    );
  });
});

describe('production settings', () => {
  const schema = Type.Object({ database: databaseSection, kafka: kafkaSection, redis: redisSection });
  const load = (env: NodeJS.ProcessEnv) => loadConfig({ service: 't', schema, env, envMap: { ...commonEnv } });

  it('splits a connection budget over the instances, never below 2 per process', () => {
    const at = (env: NodeJS.ProcessEnv) => poolSizeOf(load(env).database);
    assert.equal(at({ DATABASE_POOL_SIZE: '15' }), 15);
    assert.equal(at({ DATABASE_CONNECTION_BUDGET: '120', SERVICE_INSTANCES: '8' }), 15);
    assert.equal(at({ DATABASE_CONNECTION_BUDGET: '120', SERVICE_INSTANCES: '100' }), 2);
  });

  it('reads Kafka durability and security, Redis sentinels, and redacts their passwords', () => {
    const config = load({
      KAFKA_REPLICATION_FACTOR: '3',
      KAFKA_MIN_INSYNC_REPLICAS: '2',
      KAFKA_ACKS: 'all',
      KAFKA_TLS: 'true',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'ticketing',
      KAFKA_SASL_PASSWORD: 'hunter2',
      REDIS_MODE: 'sentinel',
      REDIS_SENTINELS: 'a:26379, b:26379',
      REDIS_PASSWORD: 'hunter3',
    });
    assert.equal(config.kafka.replicationFactor, 3);
    assert.equal(config.kafka.minInsyncReplicas, 2);
    assert.equal(config.kafka.tls.enabled, true);
    assert.equal(config.kafka.sasl.mechanism, 'SCRAM-SHA-512');
    assert.deepEqual(config.redis.sentinels, ['a:26379', 'b:26379']);
    const logged = JSON.stringify(redact(config));
    assert.ok(!logged.includes('hunter2') && !logged.includes('hunter3'), logged);
    assert.throws(() => load({ KAFKA_ACKS: 'some' }), ConfigError);
    assert.throws(() => load({ KAFKA_SASL_MECHANISM: 'KERBEROS' }), ConfigError);
  });
});
