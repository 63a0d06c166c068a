import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '@ticketing/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPeriodicTask } from '../src/periodic-task.ts';

/** A promise with its resolve handle, to hold a pass open until the test lets it finish. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

// Small real timers, polled often: no fixed sleeps that a slow machine breaks.
const until = (condition: () => boolean, what: string) => waitFor(condition, what, 5_000, 2);

const never = () => assert.fail('no error expected');

describe('createPeriodicTask', () => {
  it('runs a first pass at start, then waits the interval; wake() runs the next pass at once', async () => {
    let passes = 0;
    const task = createPeriodicTask({ intervalMs: 60_000, run: async () => passes++, onError: never });
    task.start();
    await until(() => passes === 1, 'the first pass');
    await sleep(20);
    assert.equal(passes, 1, 'no second pass before the interval');
    task.wake();
    await until(() => passes === 2, 'the woken pass');
    await task.stop();
  });

  it('repeats every intervalMs', async () => {
    let passes = 0;
    const task = createPeriodicTask({ intervalMs: 1, run: async () => passes++, onError: never });
    task.start();
    await until(() => passes >= 5, 'five passes');
    await task.stop();
  });

  it('stop() aborts the signal and waits for the pass in flight', async () => {
    const held = gate();
    let finished = false;
    let aborted = false;
    const task = createPeriodicTask({
      intervalMs: 60_000,
      run: async (signal) => {
        await held.opened;
        aborted = signal.aborted;
        finished = true;
      },
      onError: never,
    });
    task.start();
    await sleep(5);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await sleep(10);
    assert.equal(stopped, false, 'stop waits for the pass');
    held.open();
    await stopping;
    assert.equal(finished, true);
    assert.equal(aborted, true, 'the pass saw the stop');
    assert.equal(task.started, false);
  });

  it('runs again at once after a wake() during a pass', async () => {
    const first = gate();
    let passes = 0;
    const task = createPeriodicTask({
      intervalMs: 60_000,
      run: async () => {
        passes++;
        if (passes === 1) await first.opened;
      },
      onError: never,
    });
    task.start();
    await until(() => passes === 1, 'the first pass');
    task.wake();
    first.open();
    await until(() => passes === 2, 'the pass asked for during the first');
    await task.stop();
  });

  it('runs again at once while again(result) says work is left', async () => {
    const left = [3, 3, 1];
    const task = createPeriodicTask({
      intervalMs: 60_000,
      run: async () => left.shift() ?? 0,
      again: (taken) => taken === 3,
      onError: never,
    });
    task.start();
    await until(() => left.length === 0, 'the full batches to be taken');
    await task.stop();
  });

  it('reports failures in a row, keeps going, and reports the recovery', async () => {
    const errors: number[] = [];
    let recoveredAfter = 0;
    let passes = 0;
    const task = createPeriodicTask({
      intervalMs: 1,
      run: async () => {
        passes++;
        if (passes <= 3) throw new Error(`failure ${passes}`);
      },
      onError: (_err, failures) => errors.push(failures),
      onRecovered: (failures) => (recoveredAfter = failures),
    });
    task.start();
    await until(() => recoveredAfter > 0, 'the recovery');
    await task.stop();
    assert.deepEqual(errors, [1, 2, 3]);
    assert.equal(recoveredAfter, 3);
  });

  it('backs off after a failure without letting wake() cut it short; stop() still does', async () => {
    let passes = 0;
    const task = createPeriodicTask({
      intervalMs: 60_000,
      maxBackoffMs: 120_000,
      run: async () => {
        passes++;
        throw new Error('down');
      },
      onError: () => undefined,
    });
    task.start();
    await until(() => passes === 1, 'the failed pass');
    task.wake();
    await sleep(20);
    assert.equal(passes, 1, 'still backing off');
    await task.stop();
  });

  it('waits coalesceMs after a wake() before the pass', async () => {
    const times: number[] = [];
    const task = createPeriodicTask({
      intervalMs: 60_000,
      coalesceMs: 30,
      run: async () => void times.push(performance.now()),
      onError: never,
    });
    task.start();
    await until(() => times.length === 1, 'the first pass');
    const woken = performance.now();
    task.wake();
    await until(() => times.length === 2, 'the woken pass');
    assert.ok(times[1]! - woken >= 25, `waited ${times[1]! - woken} ms`);
    await task.stop();
  });

  it('runOnce() waits for the pass in flight (passes never overlap) and may run another function', async () => {
    const held = gate();
    let running = 0;
    let overlapped = false;
    const pass = async () => {
      running++;
      if (running > 1) overlapped = true;
      await held.opened;
      running--;
      return 'loop';
    };
    const task = createPeriodicTask({ intervalMs: 60_000, run: pass, onError: never });
    task.start();
    await sleep(5);
    const once = task.runOnce(async () => {
      if (running > 0) overlapped = true;
      return 42;
    });
    await sleep(10);
    held.open();
    assert.equal(await once, 42);
    assert.equal(overlapped, false);
    await task.stop();
  });

  it('with intervalMs 0 never starts a loop, and runOnce() still runs the pass and rejects with its error', async () => {
    let passes = 0;
    const task = createPeriodicTask({
      intervalMs: 0,
      run: async () => {
        passes++;
        if (passes === 2) throw new Error('second pass failed');
        return passes;
      },
      onError: never,
    });
    task.start();
    await sleep(10);
    assert.equal(passes, 0);
    assert.equal(task.started, false);
    assert.equal(await task.runOnce(), 1);
    await assert.rejects(task.runOnce(), /second pass failed/);
    await task.stop();
  });

  it('can be started again after stop(), and a runOnce() after stop() sees a live signal', async () => {
    let passes = 0;
    const task = createPeriodicTask({ intervalMs: 60_000, run: async (signal) => (passes++, signal.aborted), onError: never });
    task.start();
    await until(() => passes === 1, 'the first pass');
    await task.stop();
    assert.equal(await task.runOnce(), false);
    task.start();
    await until(() => passes === 3, 'the pass of the second start');
    await task.stop();
  });
});
