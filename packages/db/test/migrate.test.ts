import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { testInfra } from '@ticketing/testing';
import { createPostgresDatabase, isUniqueViolation, runMigrations, type Database } from '../src/index.ts';

const schema = `t_${randomUUID().slice(0, 8)}`;
const dbs: Database[] = [];
const open = () => {
  const db = createPostgresDatabase({ url: testInfra.databaseUrl, schema });
  dbs.push(db);
  return db;
};

after(async () => {
  await dbs[0]?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await Promise.all(dbs.map((d) => d.close()));
});

describe('runMigrations (real PostgreSQL)', () => {
  it('applies each numbered file once, in order, even when processes race', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mig-'));
    writeFileSync(path.join(dir, '001_things.sql'), 'CREATE TABLE things (id int PRIMARY KEY, name text UNIQUE);');
    writeFileSync(path.join(dir, '002_seed.sql'), "INSERT INTO things VALUES (1, 'one');");
    writeFileSync(path.join(dir, 'README.txt'), 'not a migration');
    const results = await Promise.all([open(), open(), open()].map((db) => runMigrations(db, dir)));
    const applied = results.flatMap((r) => r.applied);
    assert.deepEqual(applied, ['001_things.sql', '002_seed.sql']);
    const db = dbs[0]!;
    assert.equal((await db.query('SELECT count(*)::int AS n FROM things')).rows[0]?.n, 1);
    writeFileSync(path.join(dir, '003_more.sql'), "INSERT INTO things VALUES (2, 'two');");
    assert.deepEqual((await runMigrations(db, dir)).applied, ['003_more.sql']);
  });

  it('rolls a transaction back when it throws, and recognises unique violations', async () => {
    const db = dbs[0]!;
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO things VALUES (10, 'ten')");
        await tx.query("INSERT INTO things VALUES (11, 'one')");
      }),
      (err: unknown) => isUniqueViolation(err),
    );
    assert.equal((await db.query('SELECT count(*)::int AS n FROM things WHERE id = 10')).rows[0]?.n, 0);
  });
});
