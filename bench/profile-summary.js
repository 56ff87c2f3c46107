// Summarises V8 .cpuprofile files (node --cpu-prof: one per thread) as tables:
// the functions with the most self time and the most total (inclusive) time,
// idle excluded. Usage: node bench/profile-summary.js DIR_OR_FILES... [--top N]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, table } from './lib.js';

function label(cf) {
  const name = cf.functionName || '(anonymous)';
  if (!cf.url) return name;
  const url = cf.url.replace(/^file:\/\//, '');
  const m = /(?:\/node_modules\/(.*)|\/(src\/.*|dist\/.*|bench\/.*))$/.exec(url);
  const file = m ? (m[1] ?? m[2]) : url.startsWith('node:') ? url : basename(url);
  return `${name} ${file}:${cf.lineNumber + 1}`;
}

// Waiting, not working: V8's idle and piscina's blocking Atomics.wait between jobs.
const IDLE = new Set(['(idle)', 'atomicsWaitLoop']);

/** {selfMs, totalMs (inclusive, each function once per stack), busyMs} of one profile. */
export function analyse(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfNode = new Map();
  // timeDeltas[i] is the time before sample i: charge it to sample i-1's node.
  for (let i = 1; i < profile.samples.length; i++) selfNode.set(profile.samples[i - 1], (selfNode.get(profile.samples[i - 1]) ?? 0) + profile.timeDeltas[i] / 1000);
  const self = new Map();
  const total = new Map();
  let busy = 0;
  for (const [id, ms] of selfNode) {
    const n = byId.get(id);
    const l = label(n.callFrame);
    if (IDLE.has(l.split(' ')[0])) continue;
    busy += ms;
    self.set(l, (self.get(l) ?? 0) + ms);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const cl = label(byId.get(cur).callFrame);
      if (seen.has(cl) || cl === '(root)') continue;
      seen.add(cl);
      total.set(cl, (total.get(cl) ?? 0) + ms);
    }
  }
  return { self, total, busyMs: busy, wallMs: (profile.endTime - profile.startTime) / 1000 };
}

function top(map, n, busy) {
  return [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([l, ms]) => [l, fmt(ms, 0), fmt((100 * ms) / busy, 1) + ' %']);
}

/** Text tables for the given [{name, profile}] (one per thread). */
export function summariseProfiles(profiles, n = Number(process.env.PROFILE_TOP ?? 25)) {
  const out = [];
  for (const { name, profile } of profiles) {
    const a = analyse(profile);
    if (a.busyMs < 50) continue; // an idle thread
    out.push(`\n${name}: ${fmt(a.busyMs, 0)} ms busy of ${fmt(a.wallMs, 0)} ms`);
    out.push(table([['self time', 'ms', 'of busy'], ...top(a.self, n, a.busyMs)]));
    out.push(table([['total time (inclusive)', 'ms', 'of busy'], ...top(a.total, n, a.busyMs)]));
  }
  return out.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--top');
  const n = at >= 0 ? Number(args.splice(at, 2)[1]) : undefined;
  const files = args.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(p, f)) : [p]));
  console.log(summariseProfiles(files.map((f) => ({ name: basename(f), profile: JSON.parse(readFileSync(f, 'utf8')) })), n));
}
