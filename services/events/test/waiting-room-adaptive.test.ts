// Adaptive admission over real HTTP, against the real PostgreSQL and Redis (and the embedded
// adapters): the room admits slower while the platform is slow and up to the organizer's rate
// when it is fast. The capacity signal is set by the test (the latency the meter would have
// measured), so that the outcome does not depend on how loaded the machine is; the last test
// checks that the real meter sees the hold requests.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { uniqueId } from '@ticketing/testing';
import type { CapacityMeter, CapacitySample } from '../src/waiting-room/capacity.ts';
import { createEvent, PROFILES, startEvents, type EventsServer } from './helpers.ts';

/** A meter whose measurement the test sets. */
function settableMeter() {
  let latencyMs = 0;
  const meter: CapacityMeter = {
    observe() {},
    take: (): CapacitySample => ({ latencyMs, requests: 1, loopDelayMs: 0 }),
    close() {},
  };
  return {
    meter,
    set(ms: number) {
      latencyMs = ms;
    },
  };
}

for (const profile of PROFILES) {
  describe(`adaptive waiting room (${profile})`, () => {
    let server: EventsServer;
    const signal = settableMeter();
    before(async () => {
      server = await startEvents(
        {
          redis: { keyPrefix: `${uniqueId('wra')}:` },
          waitingRoom: {
            admitIntervalMs: 50,
            adaptiveIntervalMs: 50,
            adaptiveFloorPerMinute: 60,
            targetLatencyMs: 500,
            settingsCacheMs: 0,
          },
        },
        { capacity: signal.meter },
        profile,
      );
    });
    after(async () => server.close());

    async function stats(eventId: string, token: string) {
      const res = await server.api('GET', `/api/events/${eventId}/waiting-room/stats`, { token });
      assert.equal(res.status, 200, res.text);
      return res.body as { admit_rate_per_minute: number; admitted_total: number; waiting: number; admission: string };
    }

    async function until(eventId: string, token: string, done: (s: Awaited<ReturnType<typeof stats>>) => boolean, what: string) {
      let last;
      for (let i = 0; i < 400; i++) {
        last = await stats(eventId, token);
        if (done(last)) return last;
        await sleep(25);
      }
      throw new Error(`${what}: ${JSON.stringify(last)}`);
    }

    it('admits at the floor while the platform is slow, and up to the organizer’s rate once it is fast', async () => {
      signal.set(2000);
      const organizer = server.user();
      const event = await createEvent(server.api, organizer.token, { total_seats: 100, seats_per_row: 10 });
      const ceiling = 6000;
      // Buyers are in the queue before T: the room opens on a crowd.
      const room = await server.api('PUT', `/api/events/${event.event_id}/waiting-room`, {
        token: organizer.token,
        body: {
          enabled: true,
          opens_at: new Date(Date.now() + 600_000).toISOString(),
          admit_per_minute: ceiling,
          admission: 'adaptive',
          grace_seconds: 3600,
        },
      });
      assert.equal(room.status, 200, room.text);
      assert.equal(room.body.admission, 'adaptive');
      assert.equal((await server.api('GET', `/api/events/${event.event_id}/waiting-room`)).body.admission, 'adaptive');
      for (let i = 0; i < 60; i++) {
        const joined = await server.api('POST', `/api/events/${event.event_id}/queue`, { token: server.user().token });
        assert.equal(joined.status, 201, joined.text);
      }
      const open = await server.api('PUT', `/api/events/${event.event_id}/waiting-room`, {
        token: organizer.token,
        body: { enabled: true, opens_at: new Date().toISOString(), admit_per_minute: ceiling, admission: 'adaptive', grace_seconds: 3600 },
      });
      assert.equal(open.status, 200, open.text);

      // Slow: the rate falls to the floor (60 a minute) and stays there…
      const slow = await until(event.event_id, organizer.token, (s) => s.admit_rate_per_minute === 60, 'rate at the floor');
      assert.equal(slow.admission, 'adaptive');
      const t0 = Date.now();
      await sleep(1500);
      const later = await stats(event.event_id, organizer.token);
      const elapsed = (Date.now() - t0) / 1000;
      assert.equal(later.admit_rate_per_minute, 60);
      // …so at most one buyer a second gets in (plus the one the bucket may hold), far under the
      // organizer's 100 a second.
      assert.ok(
        later.admitted_total - slow.admitted_total <= Math.ceil(elapsed) + 1,
        `${later.admitted_total - slow.admitted_total} admitted in ${elapsed} s at 60/min`,
      );
      assert.ok(later.waiting > 30, `still waiting: ${later.waiting}`);

      // Fast: the rate climbs to the organizer's ceiling, never above it, and the queue empties.
      signal.set(5);
      const fast = await until(event.event_id, organizer.token, (s) => s.admit_rate_per_minute === ceiling || s.waiting === 0, 'rate up');
      assert.ok(fast.admit_rate_per_minute <= ceiling);
      const done = await until(event.event_id, organizer.token, (s) => s.waiting === 0, 'queue emptied');
      assert.equal(done.admitted_total, 60);
      assert.ok(done.admit_rate_per_minute <= ceiling);

      // The organizer can switch to a fixed rate: exactly theirs.
      const fixed = await server.api('PUT', `/api/events/${event.event_id}/waiting-room`, {
        token: organizer.token,
        body: { enabled: true, opens_at: new Date().toISOString(), admit_per_minute: 120, grace_seconds: 3600 },
      });
      assert.equal(fixed.body.admission, 'fixed');
      await until(event.event_id, organizer.token, (s) => s.admission === 'fixed' && s.admit_rate_per_minute === 120, 'fixed rate');
    });
  });
}

describe('capacity meter in the event service', () => {
  let server: EventsServer;
  before(async () => {
    // No admission passes here: they would take samples of rooms other tests left open.
    server = await startEvents({ redis: { keyPrefix: `${uniqueId('wrc')}:` }, waitingRoom: { admitIntervalMs: 0 } });
  });
  after(async () => server.close());

  it('measures the hold requests buyers make, and nothing else', async () => {
    const organizer = server.user();
    const event = await createEvent(server.api, organizer.token, { total_seats: 20, seats_per_row: 10 });
    server.deps.capacity.take();
    await server.api('GET', `/api/events/${event.event_id}`);
    assert.equal(server.deps.capacity.take().requests, 0);
    const buyer = server.user();
    for (const seat of ['A1', 'A2']) {
      const held = await server.api('POST', `/api/events/${event.event_id}/hold`, { token: buyer.token, body: { seat_numbers: [seat] } });
      assert.equal(held.status, 201, held.text);
    }
    const sample = server.deps.capacity.take();
    assert.equal(sample.requests, 2);
    assert.ok(sample.latencyMs > 0, JSON.stringify(sample));
  });
});
