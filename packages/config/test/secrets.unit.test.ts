import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  DEV_INTERNAL_SECRET,
  DEV_JWT_SECRET,
  DEV_TICKET_SECRET,
  loadConfig,
  assertProductionTicketSecret,
  ticketsSection,
  ticketsEnv,
  Type,
  withPersistedSecrets,
} from '../src/index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'secrets-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('withPersistedSecrets', () => {
  it('generates random secrets on first start, keeps them in a 0600 file, and reuses them after', () => {
    const file = path.join(dir, 'first', 'secrets.json');
    const first = withPersistedSecrets({}, file);
    assert.equal(first.created, true);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const { JWT_SECRET, INTERNAL_JWT_SECRET } = first.env;
    assert.ok(JWT_SECRET && JWT_SECRET.length >= 32 && JWT_SECRET !== DEV_JWT_SECRET);
    assert.ok(INTERNAL_JWT_SECRET && INTERNAL_JWT_SECRET.length >= 32 && INTERNAL_JWT_SECRET !== DEV_INTERNAL_SECRET);
    assert.notEqual(JWT_SECRET, INTERNAL_JWT_SECRET);
    const again = withPersistedSecrets({}, file);
    assert.equal(again.created, false);
    assert.deepEqual([again.env.JWT_SECRET, again.env.INTERNAL_JWT_SECRET], [JWT_SECRET, INTERNAL_JWT_SECRET]);
  });

  it('keeps secrets given in the environment, and fills only the one missing', () => {
    const file = path.join(dir, 'given', 'secrets.json');
    const both = withPersistedSecrets({ JWT_SECRET: 'a'.repeat(40), INTERNAL_JWT_SECRET: 'b'.repeat(40) }, file);
    assert.equal(both.env.JWT_SECRET, 'a'.repeat(40));
    assert.equal(both.file, undefined, 'no file is made when both are given');
    const one = withPersistedSecrets({ JWT_SECRET: 'a'.repeat(40) }, file);
    assert.equal(one.env.JWT_SECRET, 'a'.repeat(40));
    assert.ok(one.env.INTERNAL_JWT_SECRET && one.env.INTERNAL_JWT_SECRET !== DEV_INTERNAL_SECRET);
  });

  it('fills nothing in production, where the config refuses to start without them', () => {
    const { env, file } = withPersistedSecrets({ NODE_ENV: 'production' }, path.join(dir, 'prod.json'));
    assert.equal(env.JWT_SECRET, undefined);
    assert.equal(file, undefined);
  });

  it('derives a ticket signing secret from the JWT secret when none is given, and keeps a given one', () => {
    const file = path.join(dir, 'tickets', 'secrets.json');
    const first = withPersistedSecrets({}, file);
    const secret = first.env.TICKET_SIGNING_SECRET;
    assert.ok(secret && secret.length >= 32 && secret !== DEV_TICKET_SECRET && secret !== first.env.JWT_SECRET);
    assert.equal(withPersistedSecrets({}, file).env.TICKET_SIGNING_SECRET, secret, 'stable across restarts');
    const given = withPersistedSecrets(
      { JWT_SECRET: 'a'.repeat(40), INTERNAL_JWT_SECRET: 'b'.repeat(40), TICKET_SIGNING_SECRET: 'c'.repeat(40) },
      file,
    );
    assert.equal(given.env.TICKET_SIGNING_SECRET, 'c'.repeat(40));
    assert.ok(withPersistedSecrets({ JWT_SECRET: 'a'.repeat(40), INTERNAL_JWT_SECRET: 'b'.repeat(40) }, file).env.TICKET_SIGNING_SECRET);
    assert.equal(withPersistedSecrets({ NODE_ENV: 'production' }, file).env.TICKET_SIGNING_SECRET, undefined);
  });

  it('refuses the development ticket signing secret in production', () => {
    const load = (env: NodeJS.ProcessEnv) =>
      loadConfig({ service: 't', schema: Type.Object({ tickets: ticketsSection }), envMap: ticketsEnv, env }).tickets;
    assert.throws(() => assertProductionTicketSecret(load({}), { NODE_ENV: 'production' }), /TICKET_SIGNING_SECRET must be set/);
    assert.doesNotThrow(() => assertProductionTicketSecret(load({ TICKET_SIGNING_SECRET: 'x'.repeat(40) }), { NODE_ENV: 'production' }));
    assert.doesNotThrow(() => assertProductionTicketSecret(load({}), {}));
  });

  it('refuses a damaged file instead of silently replacing it', () => {
    const file = path.join(dir, 'damaged.json');
    writeFileSync(file, '{"jwtSecret": "short"}');
    assert.throws(() => withPersistedSecrets({}, file), /does not hold jwtSecret/);
  });

  it('gives processes that start at the same moment the same secrets', async () => {
    const file = path.join(dir, 'race', 'secrets.json');
    const script = `import { withPersistedSecrets } from ${JSON.stringify(path.resolve(import.meta.dirname, '../src/index.ts'))};
      process.stdout.write(withPersistedSecrets({}, ${JSON.stringify(file)}).env.JWT_SECRET);`;
    const outputs = await Promise.all(
      Array.from({ length: 6 }, () => promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]).then((r) => r.stdout)),
    );
    assert.equal(new Set(outputs).size, 1, `all agree: ${outputs.join(', ')}`);
  });
});
