// `npm run bench`: every scenario in sequence, then one summary table.
// Scenarios print their own detail as they finish.
import { run as core } from './core.js';
import { run as graph222 } from './graph-222.js';
import { fmt, machine, table } from './lib.js';

const m = machine();
console.log(`machine: ${m.cpu}, ${m.cores} cores, node ${m.node}, ${new Date().toISOString()}`);

const g = await graph222();
const c = await core();

// ratio: gradserve's figure divided by the target's (gradserve = OpenBLAS build for core).
const rows = [['scenario', 'target', 'figure', 'gradserve / target']];
const gs = g.results.gradserve;
for (const [name, r] of Object.entries(g.results))
  rows.push(['graph-222', name, `${fmt(r.rps, 0)} req/s, p99 ${fmt(r.p99, 0)} ms, ${r.errors + r.non2xx} failed`, fmt(gs.rps / r.rps, 2) + ' (req/s)']);
const ours = Object.values(c.results)[0];
for (const [name, r] of Object.entries(c.results)) {
  rows.push(['core MLP', name, `${fmt(r.mlpMs, 2)} ms`, fmt(ours.mlpMs / r.mlpMs, 2) + ' (ms)']);
  rows.push(['core GEMM', name, `${fmt(r.gemmGflops, 1)} GFLOP/s`, fmt(ours.gemmGflops / r.gemmGflops, 2) + ' (GFLOP/s)']);
}
console.log(`\nsummary (${m.cpu}, ${m.cores} cores, node ${m.node}; shared machine: compare ratios, not absolutes)`);
console.log(table(rows));
