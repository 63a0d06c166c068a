import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { testInfra } from '@ticketing/testing';
import { createPostgresDatabase } from '../src/index.ts';

const schema = `t_${randomUUID().slice(0, 8)}`;
const db = createPostgresDatabase({ url: testInfra.databaseUrl, schema, poolSize: 2, preparedStatements: true });

after(async () => {
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.close();
});

describe('createPostgresDatabase({ preparedStatements: true })', () => {
  it('prepares each query text once per connection and gives the same results as unprepared queries', async () => {
    await db.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.items (id int PRIMARY KEY, name text)`);
    for (let i = 1; i <= 20; i++) await db.query('INSERT INTO items (id, name) VALUES ($1, $2)', [i, `item ${i}`]);
    const again = await Promise.all([3, 7, 11].map((id) => db.query<{ name: string }>('SELECT name FROM items WHERE id = $1', [id])));
    assert.deepEqual(
      again.map((r) => r.rows[0]?.name),
      ['item 3', 'item 7', 'item 11'],
    );
    const prepared = await db.transaction(async (tx) => {
      await tx.query('UPDATE items SET name = $2 WHERE id = $1', [3, 'three']);
      return tx.query<{ name: string; n: string }>('SELECT name, (SELECT count(*) FROM items) AS n FROM items WHERE id = $1', [3]);
    });
    assert.deepEqual(prepared.rows, [{ name: 'three', n: '20' }]);
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE 'SELECT name FROM items WHERE id = $1%'`,
    );
    assert.ok(rows[0]!.n <= 1, 'this connection prepared the statement at most once');
  });
});
