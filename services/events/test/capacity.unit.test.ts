// The adaptive room's rate rule (pure): halved while the platform is slower than the target,
// raised while it is well under it and buyers wait, always between the floor and the ceiling.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCapacityMeter, initialAdmitRate, nextAdmitRate } from '../src/waiting-room/capacity.ts';

const opts = { targetMs: 500, floorPerMinute: 60 };
const sample = (latencyMs: number, loopDelayMs = 0) => ({ latencyMs, loopDelayMs, requests: 10 });

describe('adaptive admission rate', () => {
  it('starts at a tenth of the ceiling, never under the floor nor over the ceiling', () => {
    assert.equal(initialAdmitRate(6000, opts), 600);
    assert.equal(initialAdmitRate(300, opts), 60);
    assert.equal(initialAdmitRate(30, opts), 30);
  });

  it('halves while the holds (or the event loop) are slower than the target, down to the floor', () => {
    assert.equal(nextAdmitRate(1000, { ceiling: 6000, sample: sample(900), waiting: true }, opts), 500);
    assert.equal(nextAdmitRate(1000, { ceiling: 6000, sample: sample(10, 800), waiting: true }, opts), 500);
    assert.equal(nextAdmitRate(100, { ceiling: 6000, sample: sample(900), waiting: true }, opts), 60);
    // The organizer's ceiling under the floor wins.
    assert.equal(nextAdmitRate(30, { ceiling: 30, sample: sample(900), waiting: true }, opts), 30);
  });

  it('rises by a quarter when well under the target and buyers wait, up to the ceiling', () => {
    assert.equal(nextAdmitRate(1000, { ceiling: 6000, sample: sample(100), waiting: true }, opts), 1250);
    assert.equal(nextAdmitRate(5000, { ceiling: 6000, sample: sample(0), waiting: true }, opts), 6000);
    // Nobody waiting, or between half the target and the target: kept.
    assert.equal(nextAdmitRate(1000, { ceiling: 6000, sample: sample(100), waiting: false }, opts), 1000);
    assert.equal(nextAdmitRate(1000, { ceiling: 6000, sample: sample(400), waiting: true }, opts), 1000);
    // A lowered ceiling applies at once.
    assert.equal(nextAdmitRate(1000, { ceiling: 200, sample: sample(400), waiting: true }, opts), 200);
  });

  it('reaches the ceiling from the floor in seconds when the platform is fast', () => {
    let rate = 60;
    let passes = 0;
    while (rate < 60_000) {
      rate = nextAdmitRate(rate, { ceiling: 60_000, sample: sample(5), waiting: true }, opts);
      passes++;
    }
    assert.equal(rate, 60_000);
    assert.ok(passes <= 32, `${passes} passes`);
  });

  it('measures the 90th percentile of the observed requests, and starts over after each sample', () => {
    const meter = createCapacityMeter();
    try {
      for (let i = 1; i <= 100; i++) meter.observe(i);
      const first = meter.take();
      assert.equal(first.requests, 100);
      assert.equal(first.latencyMs, 91);
      assert.ok(first.loopDelayMs >= 0);
      const second = meter.take();
      assert.equal(second.requests, 0);
      assert.equal(second.latencyMs, 0);
    } finally {
      meter.close();
    }
  });
});
