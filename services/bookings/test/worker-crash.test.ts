import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { BookingsConfig } from '../src/index.ts';
import { assertInvariants, chargesFor, createEvent, holdSeats, startEvents, waitForFinal, type StartedEvents } from './events-helpers.ts';
import { bookingsConfig, killWorkers, newUser, spawnWorker, startBookings, waitFor, type StartedBookings } from './helpers.ts';

// The worker runs as a child process (`node services/bookings/src/worker.ts`), so it can be
// killed for real: SIGKILL in the middle of a payment, SIGTERM for a graceful drain.

const WORKER_WHEN_TOLD = fileURLToPath(new URL('./fixtures/worker-when-told.ts', import.meta.url));

let events: StartedEvents;
let config: Readonly<BookingsConfig>;
let api: StartedBookings;

before(async () => {
  events = await startEvents(bookingsConfig().jwt);
  config = bookingsConfig({ events: { url: events.baseUrl } });
  api = await startBookings(config, { worker: false });
});
after(async () => {
  killWorkers();
  await api.close();
  await events.close();
});

async function submit(method = 'credit_card') {
  const user = newUser(config);
  const event = await createEvent(events, user);
  const hold = await holdSeats(events, user, event.event_id, ['A1', 'A2']);
  const res = await api.api('POST', '/api/booking', {
    token: user.token,
    body: { hold_id: hold.hold_id, payment_info: { payment_method: method, amount: hold.total_price } },
  });
  assert.equal(res.status, 202, res.text);
  return { hold, bookingId: res.body.booking_id as string };
}

const paymentStatus = async (id: string) => (await api.deps.bookingsRepository.findById(id))?.payment_status;

describe('a worker killed in the middle of a payment', () => {
  it('ends every booking exactly once, with one charge, after a new worker takes over', { timeout: 120_000 }, async () => {
    // Half of the latency passes before the gateway records the charge, half after: the kill
    // below lands after the card was charged but before the worker heard back.
    const first = spawnWorker(config, { paymentLatencyMs: 6000 });
    const a = await submit();
    await waitFor(async () => ((await paymentStatus(a.bookingId)) === 'processing' ? true : undefined), 'payment A to start', 60_000);
    const b = await submit();
    await waitFor(async () => ((await chargesFor(api.deps, a.bookingId)).total === 1 ? true : undefined), 'charge A to be recorded');

    first.child.kill('SIGKILL');
    const exit = await first.exited;
    assert.equal(exit.signal, 'SIGKILL');
    const rowA = (await api.deps.bookingsRepository.findById(a.bookingId))!;
    assert.equal(rowA.status, 'processing', 'killed before the outcome was stored');
    assert.equal(rowA.payment_status, 'processing', 'killed while the charge was in flight');
    assert.equal((await api.deps.bookingsRepository.findById(b.bookingId))!.status, 'processing');

    const second = spawnWorker(config, { paymentLatencyMs: 200 });
    try {
      for (const { bookingId, hold } of [a, b]) {
        const row = await waitForFinal(api.deps, bookingId, 90_000);
        assert.equal(row.status, 'confirmed', second.output());
        assert.deepEqual(await chargesFor(api.deps, bookingId), { captured: 1, total: 1, refunded: 0 });
        assert.equal((await events.internal('GET', `/internal/holds/${hold.hold_id}`)).body.status, 'confirmed');
        const notifications = await api.deps.db.query('SELECT id FROM outbox WHERE key = $1 AND topic = $2', [
          bookingId,
          config.kafka.topics.notificationRequests,
        ]);
        assert.equal(notifications.rowCount, 1, 'one outcome, one notification');
      }
      assert.deepEqual(await assertInvariants(api.deps, [a.hold.hold_id, b.hold.hold_id]), {
        bookingsPerHoldOverOne: 0,
        capturesPerBookingOverOne: 0,
        notFinal: 0,
        confirmedWithoutPayment: 0,
        failedKeepingMoney: 0,
      });
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});

describe('a worker asked to stop (SIGTERM)', () => {
  it('finishes the payment in flight, stores its outcome, and exits cleanly', { timeout: 120_000 }, async () => {
    const worker = spawnWorker(config, { paymentLatencyMs: 3000 });
    const { bookingId } = await submit();
    await waitFor(async () => ((await paymentStatus(bookingId)) === 'processing' ? true : undefined), 'the payment to start', 60_000);
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    assert.equal(exit.code, 0, worker.output());
    const row = (await api.deps.bookingsRepository.findById(bookingId))!;
    assert.equal(row.status, 'confirmed');
    assert.deepEqual(await chargesFor(api.deps, bookingId), { captured: 1, total: 1, refunded: 0 });
  });
});

describe('a worker asked to stop while a booking waits out a long retry backoff', () => {
  it('exits 0 within its drain timeout, and the next worker ends every booking exactly once', { timeout: 180_000 }, async (t) => {
    // A backoff far longer than the drain timeout (24 s here): the drain must not sit it out.
    const retry = { WORKER_RETRY_BASE_MS: '90000', WORKER_RETRY_MAX_MS: '90000' };
    const worker = spawnWorker(config, { paymentLatencyMs: 300, env: retry });
    // The gateway fails the first charge of this one transiently: the bus backs off 90 s.
    const waiting = await submit('transient_failure_1');
    await waitFor(() => (worker.output().includes('booking attempt failed') ? true : undefined), 'the first charge to fail', 60_000);
    const others = await Promise.all([submit(), submit(), submit()]);
    await waitFor(async () => ((await paymentStatus(others[0].bookingId)) !== 'pending' ? true : undefined), 'a payment to start', 60_000);
    const stoppedAt = Date.now();
    worker.child.kill('SIGTERM');
    const exit = await worker.exited;
    t.diagnostic(`drained in ${Date.now() - stoppedAt} ms`);
    assert.equal(exit.code, 0, worker.output());
    assert.equal((await api.deps.bookingsRepository.findById(waiting.bookingId))!.status, 'processing', 'left to the next worker');

    const next = spawnWorker(config, { paymentLatencyMs: 100 });
    try {
      const all = [waiting, ...others];
      for (const { bookingId } of all) {
        assert.equal((await waitForFinal(api.deps, bookingId, 90_000)).status, 'confirmed', next.output());
        assert.deepEqual(await chargesFor(api.deps, bookingId), { captured: 1, total: 1, refunded: 0 });
      }
      assert.deepEqual(
        await assertInvariants(
          api.deps,
          all.map((b) => b.hold.hold_id),
        ),
        { bookingsPerHoldOverOne: 0, capturesPerBookingOverOne: 0, notFinal: 0, confirmedWithoutPayment: 0, failedKeepingMoney: 0 },
      );
    } finally {
      next.child.kill('SIGTERM');
      await next.exited;
    }
  });
});

describe('a worker killed under load and restarted at once (static group membership)', () => {
  it('resumes confirming within 3 s of the restart', { timeout: 120_000 }, async (t) => {
    // The same KAFKA_INSTANCE_ID across the restart: the broker hands the partitions straight
    // back instead of waiting for the dead member's session to time out (~12 s before). The
    // replacement is booted ahead (Node, config, migrations: seconds on a loaded machine, and
    // not Kafka's to shorten) and joins when told, right after the kill.
    const worker = { KAFKA_INSTANCE_ID: `${config.kafka.workerGroup}-w1` };
    const first = spawnWorker(config, { paymentLatencyMs: 50, env: worker });
    const second = spawnWorker(config, { paymentLatencyMs: 50, env: worker, entry: WORKER_WHEN_TOLD });
    const submitted: { hold: { hold_id: string }; bookingId: string }[] = [];
    let loading = true;
    const load = (async () => {
      while (loading) {
        submitted.push(await submit());
        await sleep(100);
      }
    })();
    try {
      await waitFor(() => submitted[0], 'the first booking', 60_000);
      await waitForFinal(api.deps, submitted[0]!.bookingId, 60_000);
      await waitFor(() => (second.output().includes('ready') ? true : undefined), 'the replacement to boot', 60_000);

      first.child.kill('SIGKILL');
      assert.equal((await first.exited).signal, 'SIGKILL');
      const restartedAt = new Date();
      second.child.stdin.write('go\n');
      const resumedAt = await waitFor(
        async () => {
          const { rows } = await api.deps.db.query<{ n: string }>(
            `SELECT count(*) AS n FROM bookings WHERE id = ANY($1::uuid[]) AND status = 'confirmed' AND confirmed_at >= $2`,
            [submitted.map((b) => b.bookingId), restartedAt],
          );
          return Number(rows[0]!.n) > 0 ? Date.now() : undefined;
        },
        'a booking confirmed by the restarted worker',
        30_000,
      );
      loading = false;
      await load;
      const resumeMs = resumedAt - restartedAt.getTime();
      t.diagnostic(`resumed confirming ${resumeMs} ms after the restart`);
      // The goal is 3 s (rejoin + first fetch + one 50 ms payment + 50 ms polling); 1 s more is
      // tolerance for a loaded 2-core machine (0.9-2.5 s measured here under the whole suite;
      // 6.3 s with dynamic membership, ~12 s before, so the bound still tells them apart).
      assert.ok(resumeMs < 3000 + 1000, `resumed ${resumeMs} ms after the restart\n${second.output()}`);

      for (const { bookingId } of submitted) assert.equal((await waitForFinal(api.deps, bookingId, 60_000)).status, 'confirmed');
      assert.deepEqual(
        await assertInvariants(
          api.deps,
          submitted.map((b) => b.hold.hold_id),
        ),
        { bookingsPerHoldOverOne: 0, capturesPerBookingOverOne: 0, notFinal: 0, confirmedWithoutPayment: 0, failedKeepingMoney: 0 },
      );
    } finally {
      loading = false;
      await load;
      first.child.kill('SIGKILL');
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });
});
