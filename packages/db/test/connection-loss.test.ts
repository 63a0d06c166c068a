import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DependencyUnavailableError } from '@ticketing/errors';
import { testInfra } from '@ticketing/testing';
import { createPostgresDatabase } from '../src/index.ts';

// Only the backends of this test's own pool are terminated (matched by application_name), so the
// shared server and everyone else's sessions are left alone.
const app = `conn_loss_${randomUUID().slice(0, 8)}`;
const schema = `t_${randomUUID().slice(0, 8)}`;
const db = createPostgresDatabase({ url: testInfra.databaseUrl, schema, poolSize: 1, applicationName: app });
const admin = createPostgresDatabase({ url: testInfra.databaseUrl, schema: 'public', poolSize: 1 });

after(async () => {
  await db.close();
  await admin.close();
});

async function terminate(pid: number): Promise<void> {
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = $1 AND application_name = $2', [pid, app]);
  // Wait until the backend is gone, so its goodbye has reached the client.
  for (let i = 0; i < 100; i++) {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
    if (rowCount === 0) break;
    await sleep(20);
  }
  await sleep(50);
}

describe('createPostgresDatabase: a connection lost while checked out', () => {
  it('rejects the transaction with DependencyUnavailableError instead of crashing when the backend is terminated idle in transaction', async () => {
    await assert.rejects(
      db.transaction(async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // The session is now idle in transaction: the server's 57P01 arrives with no query running.
        await terminate(rows[0]!.pid);
        await tx.query('SELECT 1');
      }),
      (err: unknown) => err instanceof DependencyUnavailableError && err.dependency === 'database',
    );
    // The broken client was dropped: the one-connection pool serves again on a new session.
    const { rows } = await db.query<{ ok: number }>('SELECT 1 AS ok');
    assert.deepEqual(rows, [{ ok: 1 }]);
  });

  it('rejects a query cut by termination while it runs, and serves the next one', async () => {
    const { rows } = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = rows[0]!.pid;
    const cut = assert.rejects(db.query('SELECT pg_sleep(5)'), DependencyUnavailableError);
    await sleep(100);
    await terminate(pid);
    await cut;
    const again = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    assert.notEqual(again.rows[0]!.pid, pid, 'a new session replaced the terminated one');
  });

  it('keeps a domain error thrown inside the transaction, and rolls it back', async () => {
    await db.query(`CREATE SCHEMA IF NOT EXISTS ${schema}; CREATE TABLE IF NOT EXISTS ${schema}.marks (id int PRIMARY KEY)`);
    const boom = new Error('rule broken');
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO marks (id) VALUES (1)');
        throw boom;
      }),
      (err) => err === boom,
    );
    const { rowCount } = await db.query('SELECT 1 FROM marks');
    assert.equal(rowCount, 0);
    await db.query(`DROP SCHEMA ${schema} CASCADE`);
  });

  it('rejects with DependencyUnavailableError when no connection can be made', async () => {
    const nowhere = createPostgresDatabase({ url: 'postgres://x:y@127.0.0.1:1/none', schema: 'public' });
    try {
      await assert.rejects(nowhere.query('SELECT 1'), DependencyUnavailableError);
      await assert.rejects(
        nowhere.transaction(async () => undefined),
        DependencyUnavailableError,
      );
    } finally {
      await nowhere.close();
    }
  });

  it('survives a server that ends the session in the packet that opened it (a shutdown as the connection completes)', async () => {
    // A server that answers the startup with AuthenticationOk, ReadyForQuery and, in the same
    // write, the FATAL 57P01 of a fast shutdown: the client reads all three in one turn. The pool
    // used to hand the client over and read the error before anyone listened: the process crashed.
    const message = (type: string, body: Buffer) => {
      const head = Buffer.alloc(5);
      head.write(type, 0, 'latin1');
      head.writeInt32BE(body.length + 4, 1);
      return Buffer.concat([head, body]);
    };
    const int32 = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeInt32BE(n);
      return b;
    };
    const fields = ['SFATAL', 'VFATAL', 'C57P01', 'Mterminating connection due to administrator command'].map((f) => `${f}\0`).join('');
    const server = net.createServer((socket) => {
      socket.once('data', () => {
        socket.end(
          Buffer.concat([
            message('R', int32(0)),
            message('Z', Buffer.from('I', 'latin1')),
            message('E', Buffer.from(`${fields}\0`, 'latin1')),
          ]),
        );
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const closing = createPostgresDatabase({ url: `postgres://x:y@127.0.0.1:${port}/none`, schema: 'public', poolSize: 1 });
    try {
      for (let i = 0; i < 3; i++) await assert.rejects(closing.query('SELECT 1'), DependencyUnavailableError);
      await assert.rejects(
        closing.transaction(async () => undefined),
        DependencyUnavailableError,
      );
    } finally {
      await closing.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
