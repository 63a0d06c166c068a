import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { testInfra } from '@ticketing/testing';
import { createPgliteDatabase, createPostgresDatabase, isUniqueViolation, runMigrations, type Database } from '../src/index.ts';

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

/** A migration and a function file; rewriting the function file changes what the function answers. */
async function checkFunctionsDir(db: Database): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mig-fn-'));
  const functions = mkdtempSync(path.join(tmpdir(), 'fn-'));
  writeFileSync(path.join(dir, '001_rows.sql'), 'CREATE TABLE rows_ (n int); INSERT INTO rows_ VALUES (1), (2), (3);');
  const define = (threshold: number) =>
    writeFileSync(
      path.join(functions, 'rules.sql'),
      `CREATE OR REPLACE FUNCTION is_big(p integer) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT p > ${threshold} $$;`,
    );
  // Uses the function of the first file: files run in name order.
  writeFileSync(
    path.join(functions, 'uses.sql'),
    'CREATE OR REPLACE FUNCTION big_rows() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM rows_ WHERE is_big(n) $$;',
  );
  writeFileSync(path.join(functions, 'notes.txt'), 'not SQL');
  define(1);
  const first = await runMigrations(db, dir, { functionsDir: functions });
  assert.deepEqual(first, { applied: ['001_rows.sql'], functions: ['rules.sql', 'uses.sql'] });
  assert.equal(Number((await db.query<{ n: string }>('SELECT big_rows() AS n')).rows[0]?.n), 2);

  // Every run applies the function files again, after the (already applied) migrations.
  define(2);
  const second = await runMigrations(db, dir, { functionsDir: functions });
  assert.deepEqual(second, { applied: [], functions: ['rules.sql', 'uses.sql'] });
  assert.equal(Number((await db.query<{ n: string }>('SELECT big_rows() AS n')).rows[0]?.n), 1);
}

describe('runMigrations with a functions directory', () => {
  it('applies the function files after the migrations on every run, while processes race (PostgreSQL)', async () => {
    const fnSchema = `f_${randomUUID().slice(0, 8)}`;
    const [a, b] = [0, 1].map(() => {
      const db = createPostgresDatabase({ url: testInfra.databaseUrl, schema: fnSchema });
      dbs.push(db);
      return db;
    });
    try {
      await checkFunctionsDir(a!);
      // A concurrent start: both replace the functions, one after the other under the lock.
      const dir = mkdtempSync(path.join(tmpdir(), 'mig-race-'));
      const functions = mkdtempSync(path.join(tmpdir(), 'fn-race-'));
      writeFileSync(
        path.join(functions, 'f.sql'),
        'CREATE OR REPLACE FUNCTION one() RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT 1 $$;',
      );
      const results = await Promise.all([a!, b!, a!, b!].map((db) => runMigrations(db, dir, { functionsDir: functions })));
      assert.ok(results.every((r) => r.functions.length === 1));
      assert.equal((await b!.query<{ one: number }>('SELECT one()')).rows[0]?.one, 1);
    } finally {
      await a!.query(`DROP SCHEMA IF EXISTS ${fnSchema} CASCADE`);
    }
  });

  it('does the same on PGlite (the embedded profile)', async () => {
    const db = await createPgliteDatabase({ dataDir: 'memory://', schema: 'fns' });
    try {
      await checkFunctionsDir(db);
    } finally {
      await db.close();
    }
  });
});
