// The functions a V8 CPU profile (--cpu-prof) spent most time in (self time), optionally only in
// a window of the profile's clock (monotonic µs; bench/web/sse-edge.ts prints its delivery window).
//
//   node bench/web/profile-top.ts <file.cpuprofile> [from to] [--top 15]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '15' } } });
const [file, from, to] = positionals;
if (!file) throw new Error('usage: profile-top.ts <file.cpuprofile> [from to] [--top N]');

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
};
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const lo = from === undefined ? -Infinity : Number(from);
const hi = to === undefined ? Infinity : Number(to);

const self = new Map<string, number>();
let total = 0;
let idle = 0;
let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i]!;
  // A sample's time is the interval up to the next one.
  const dt = profile.timeDeltas[i + 1] ?? 0;
  if (t < lo || t > hi) continue;
  const { functionName, url, lineNumber } = nodes.get(profile.samples[i]!)!.callFrame;
  if (functionName === '(idle)') {
    idle += dt;
    continue;
  }
  total += dt;
  const where = url
    ? ` ${url.includes('node_modules') ? url.slice(url.lastIndexOf('node_modules/') + 13) : path.basename(url)}:${lineNumber + 1}`
    : '';
  const key = `${functionName || '(anonymous)'}${where}`;
  self.set(key, (self.get(key) ?? 0) + dt);
}
console.log(`busy ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms in the window`);
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(1).padStart(7)} ms  ${key}`);
