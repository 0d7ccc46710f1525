// Summarises a V8 .cpuprofile (from `node --cpu-prof`): busy share of the process and the
// functions and files with the most self time. `--window A:B` keeps only samples between
// A and B seconds after the profile started; `--busiest S` picks the busiest S-second window;
// `--last S` keeps the last S seconds. `--inclusive` adds each function's total time: its
// own and its callees' (a recursive function counts once per sample).
//
//   node --import tsx bench/support/profile-summary.ts PROFILE [--busiest 8] [--top 40] [--inclusive]

import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args[0];
if (!file) {
  console.error('usage: profile-summary.ts PROFILE [--window A:B | --busiest SECONDS | --last SECONDS] [--top N]');
  process.exit(2);
}
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const top = Number(opt('--top') ?? 40);

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const inclusiveWanted = args.includes('--inclusive');
const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));

// Sample times in µs since the start.
const times: number[] = [];
let t = 0;
for (const d of profile.timeDeltas) times.push((t += d));

let from = 0;
let to = Infinity;
const windowOpt = opt('--window');
const busiest = opt('--busiest');
const last = opt('--last');
if (last) {
  to = times.at(-1) ?? 0;
  from = to - Number(last) * 1e6;
} else if (windowOpt) {
  const [a, b] = windowOpt.split(':').map(Number);
  from = (a ?? 0) * 1e6;
  to = (b ?? Infinity) * 1e6;
} else if (busiest) {
  const span = Number(busiest) * 1e6;
  let best = 0;
  let bestStart = 0;
  let busy = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    if (!idle.has(profile.samples[hi]!)) busy++;
    while (times[hi]! - times[lo]! > span) {
      if (!idle.has(profile.samples[lo]!)) busy--;
      lo++;
    }
    if (busy > best) {
      best = busy;
      bestStart = times[lo]!;
    }
  }
  from = bestStart;
  to = bestStart + span;
}

const frameKey = (node: ProfileNode): string => {
  const f = node.callFrame;
  const where = f.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/');
  return `${f.functionName || '(anonymous)'} ${where}:${f.lineNumber + 1}`;
};
const self = new Map<string, number>();
const inclusive = new Map<string, number>();
const perFile = new Map<string, number>();
let total = 0;
let busy = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const at = times[i]!;
  if (at < from || at > to) continue;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  total += dt;
  const node = byId.get(profile.samples[i]!)!;
  if (idle.has(node.id)) continue;
  busy += dt;
  const key = frameKey(node);
  self.set(key, (self.get(key) ?? 0) + dt);
  if (inclusiveWanted) {
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parentOf.get(id)) {
      const k = frameKey(byId.get(id)!);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  }
  const fileKey = node.callFrame.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/') || node.callFrame.functionName;
  perFile.set(fileKey, (perFile.get(fileKey) ?? 0) + dt);
}

const pct = (v: number) => `${((100 * v) / Math.max(1, total)).toFixed(1).padStart(5)}%`;
console.log(`window ${(from / 1e6).toFixed(1)}–${(Math.min(to, times.at(-1) ?? 0) / 1e6).toFixed(1)} s: busy ${pct(busy)} of ${(total / 1e6).toFixed(2)} s`);
console.log('\nself time by function:');
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
console.log('\nself time by file:');
for (const [k, v] of [...perFile].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
if (inclusiveWanted) {
  console.log('\ntotal time (self and callees) by function:');
  for (const [k, v] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${k}`);
}
