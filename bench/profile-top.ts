// Where the time of a V8 CPU profile (node --cpu-prof) goes: the functions with the most self
// time, and the same summed by where the code lives (this repository's packages and services,
// node_modules packages, Node's own code, the garbage collector, idle).
//
//   node bench/profile-top.ts <file.cpuprofile> [--top 25]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
const file = positionals[0];
if (!file) {
  console.error('usage: node bench/profile-top.ts <file.cpuprofile> [--top 25]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));

// Self time per node: each sample's time delta goes to the node it landed in.
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const totalUs = profile.timeDeltas.reduce((a, b) => a + b, 0);

function place(url: string, name: string): string {
  if (name === '(garbage collector)' || name === '(idle)' || name === '(program)') return name;
  if (url === '') return '(native / V8)';
  if (url.startsWith('node:')) return 'node: ' + url.slice(5).split('/')[0];
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split('/');
    return 'npm: ' + (rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]);
  }
  const m = /\/(packages|services|src)\/([^/]+)/.exec(url);
  return m ? `repo: ${m[1]}/${m[2]}` : url;
}

const fns = new Map<string, number>();
const places = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  const { functionName, url, lineNumber } = n.callFrame;
  const short = url.replace(/^.*\/(node_modules|packages|services|src)\//, '$1/');
  const key = `${functionName || '(anonymous)'}  ${short}${url ? `:${lineNumber + 1}` : ''}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
  const p = place(url, functionName);
  places.set(p, (places.get(p) ?? 0) + us);
}

const busyUs = totalUs - (places.get('(idle)') ?? 0);
const row = (us: number) => `${(us / 1000).toFixed(0).padStart(8)} ms ${((100 * us) / busyUs).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(totalUs / 1e6).toFixed(1)} s profiled, ${(busyUs / 1e6).toFixed(1)} s busy (percentages of busy)`);
console.log('\nBy where the code lives (self time):');
for (const [p, us] of [...places]
  .filter(([k]) => k !== '(idle)')
  .sort((a, b) => b[1] - a[1])
  .slice(0, 20))
  console.log(`${row(us)}  ${p}`);
console.log(`\nTop ${values.top} functions (self time):`);
for (const [f, us] of [...fns]
  .filter(([k]) => !k.startsWith('(idle)'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(values.top)))
  console.log(`${row(us)}  ${f}`);

// Inclusive time of this repository's functions (a function on the stack twice counts once).
const keyOf = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame;
  return `${functionName || '(anonymous)'}  ${url.replace(/^.*\/(packages|services|src)\//, '$1/')}:${lineNumber + 1}`;
};
const inclusive = new Map<string, number>();
const root = profile.nodes[0]!;
function walk(n: ProfileNode, onStack: Set<string>): number {
  let us = selfUs.get(n.id) ?? 0;
  const repo = n.callFrame.url !== '' && !n.callFrame.url.includes('node_modules') && /\/(packages|services|src)\//.test(n.callFrame.url);
  const key = repo ? keyOf(n) : undefined;
  const fresh = key !== undefined && !onStack.has(key);
  if (fresh) onStack.add(key);
  for (const c of n.children ?? []) us += walk(byId.get(c)!, onStack);
  if (fresh) {
    onStack.delete(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
  return us;
}
walk(root, new Set());
console.log(`\nTop ${values.top} of this repository's functions (inclusive time):`);
for (const [f, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`${row(us)}  ${f}`);
