import { monitorEventLoopDelay } from 'node:perf_hooks';

/** What the process measured since the last `take()`: how long buyers' work waited and took. */
export interface CapacitySample {
  /** The 90th percentile of the observed requests' durations (ms); 0 without requests. */
  latencyMs: number;
  requests: number;
  /** The 99th percentile of the event loop's delay (ms): how long any request waits to be read at all. */
  loopDelayMs: number;
}

/** Measures the event service's own capacity: the latency of the work admitted buyers cause. */
export interface CapacityMeter {
  /** One request of the kind admitted buyers make (hold, lock, confirm), in ms. */
  observe(ms: number): void;
  /** The sample since the last call, and starts a new one. */
  take(): CapacitySample;
  close(): void;
}

const MAX_SAMPLES = 10_000;

export function createCapacityMeter(): CapacityMeter {
  const loop = monitorEventLoopDelay({ resolution: 20 });
  // Watched from the first sample on: a process without adaptive rooms runs no extra timer.
  let watching = false;
  let durations: number[] = [];
  let seen = 0;
  return {
    observe(ms) {
      seen++;
      // A bounded reservoir: under a burst, every request still has the same chance to count.
      if (durations.length < MAX_SAMPLES) durations.push(ms);
      else {
        const i = Math.floor(Math.random() * seen);
        if (i < MAX_SAMPLES) durations[i] = ms;
      }
    },
    take() {
      if (!watching) watching = loop.enable();
      const sorted = durations.sort((a, b) => a - b);
      const sample = {
        latencyMs: sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))]!,
        requests: seen,
        // The histogram counts the timer's own resolution as delay: only what exceeds it is waiting.
        loopDelayMs: loop.count === 0 ? 0 : Math.max(0, loop.percentile(99) / 1e6 - 20),
      };
      durations = [];
      seen = 0;
      loop.reset();
      return sample;
    },
    close() {
      if (watching) loop.disable();
      watching = false;
    },
  };
}

export interface AdaptiveRateOptions {
  /** The latency (ms) the room keeps the platform under: above it admission slows down. */
  targetMs: number;
  /** The rate never goes below this (admission never stops), nor above the organizer's ceiling. */
  floorPerMinute: number;
}

/**
 * The next admission rate of a room in `adaptive` mode, from the measured latency: halved when
 * the platform is slower than the target (the buyers already admitted are more than it serves
 * in time), raised by a quarter when it is well under it and buyers are waiting, else kept.
 * A multiplicative rise reaches the organizer's ceiling in seconds when the platform is fast; the
 * halving sheds a burst within a few passes (the room's version of TCP's congestion window).
 */
export function nextAdmitRate(
  current: number,
  input: { ceiling: number; sample: CapacitySample; waiting: boolean },
  opts: AdaptiveRateOptions,
): number {
  const floor = Math.min(input.ceiling, opts.floorPerMinute);
  const signal = Math.max(input.sample.latencyMs, input.sample.loopDelayMs);
  let rate = current;
  if (signal > opts.targetMs) rate = current / 2;
  else if (signal <= opts.targetMs / 2 && input.waiting) rate = current * 1.25;
  return Math.round(Math.min(input.ceiling, Math.max(floor, rate)));
}

/** Where an adaptive room starts: a tenth of the ceiling, so that the first passes probe before the crowd is let in. */
export function initialAdmitRate(ceiling: number, opts: AdaptiveRateOptions): number {
  return Math.max(Math.min(ceiling, opts.floorPerMinute), Math.round(ceiling / 10));
}
