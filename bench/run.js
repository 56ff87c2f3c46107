// `npm run bench`: installs the peers when missing, runs every scenario in
// sequence (each prints its own detail), then prints one summary table of
// figures, ratios and the issue's goals, with the machine line.
//
// Scenarios: graph-222 (HTTP, 4 targets), payloads (1M elements, 4 encodings),
// mlp-http (the MLP step over HTTP vs FastAPI + PyTorch), core (the engine alone).
// SCENARIOS=graph-222,payloads,mlp-http,core (default all) picks some;
// every scenario's own env (DURATION, ROUNDS, CONNECTIONS, WORKERS, REPS, ...)
// applies; BENCH_NO_INSTALL=1 skips installing the peers.
import { loadavg } from 'node:os';
import { ensurePeers, fmt, machine, table } from './lib.js';

const started = performance.now();
const m = machine();
const line = `${m.cpu}, ${m.cores} cores, node ${m.node}`;
console.log(`machine: ${line}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${new Date().toISOString()}`);

const wanted = new Set((process.env.SCENARIOS ?? 'graph-222,payloads,mlp-http,core').split(',').map((s) => s.trim()));
const installNotes = ensurePeers();
installNotes.forEach((n) => console.log('bench: ' + n));

const out = {};
const timings = {};
for (const [name, mod] of [
  ['graph-222', './graph-222.js'],
  ['payloads', './payloads.js'],
  ['mlp-http', './mlp-http.js'],
  ['core', './core.js'],
]) {
  if (!wanted.has(name)) continue;
  const t0 = performance.now();
  out[name] = await (await import(mod)).run();
  timings[name] = (performance.now() - t0) / 1000;
}

// One row per figure: the ratio column says what it divides; goal and verdict
// are the issue's targets ("Performance"), where it sets one.
const rows = [['scenario', 'target', 'figure', 'ratio', 'goal', 'met']];
const verdict = (ok) => (ok === undefined ? '' : ok ? 'yes' : 'NO');

const g = out['graph-222'];
if (g) {
  const r = g.results;
  const gs = r.gradserve;
  const goals = { echo: ['gradserve ≥ 0.50 × echo', (x) => x >= 0.5], torch: ['gradserve ≥ 5 × torch', (x) => x >= 5], tfjs: ['gradserve ≥ 3 × tfjs', (x) => x >= 3] };
  rows.push(['graph-222', 'gradserve', `${fmt(gs.rps, 0)} req/s, p50 ${fmt(gs.p50, 0)} ms, p99 ${fmt(gs.p99, 0)} ms, ${gs.errors + gs.non2xx} failed`, `${g.config.connections} connections`, 'p99 ≤ 10 ms, 0 failed', verdict(gs.p99 <= 10 && gs.errors + gs.non2xx === 0)]);
  if (gs.p99at1 !== undefined) rows.push(['graph-222', 'gradserve', `p50 ${fmt(gs.p50at1, 0)} ms, p99 ${fmt(gs.p99at1, 0)} ms`, '1 connection', 'p99 ≤ 10 ms', verdict(gs.p99at1 <= 10)]);
  for (const [name, t] of Object.entries(r)) {
    if (name === 'gradserve') continue;
    const ratio = gs.rps / t.rps;
    rows.push(['graph-222', { echo: 'fastify echo (ceiling)', echo2: 'fastify echo, 2+ processes', torch: 'fastapi+torch', tfjs: 'fastify+tfjs' }[name] ?? name, `${fmt(t.rps, 0)} req/s, p99 ${fmt(t.p99, 0)} ms, ${t.errors + t.non2xx} failed`, `${fmt(ratio, 2)} (gradserve req/s ÷ this)`, goals[name]?.[0] ?? '', goals[name] ? verdict(goals[name][1](ratio) && gs.errors + gs.non2xx === 0) : '']);
  }
}

const p = out.payloads;
if (p) {
  const r = p.results;
  const fastest = Object.entries(r).sort((a, b) => a[1].ms - b[1].ms)[0]?.[0];
  for (const [k, x] of Object.entries(r)) {
    const fig = `${fmt(x.ms, 1)} ms (worker ${fmt(x.jobMs, 1)} ms), ${fmt(x.reqMB, 1)} MB in`;
    if (k === 'base64') rows.push(['payloads 1M', x.label, fig, '', '≤ 60 ms', verdict(x.ms <= 60)]);
    else if (k === 'binary') rows.push(['payloads 1M', x.label, fig, r.base64 ? `${fmt(r.base64.ms / x.ms, 1)}× faster than base64` : '', 'fastest of the encodings', verdict(fastest === 'binary')]);
    else rows.push(['payloads 1M', x.label, fig, `${fmt(x.ratio, 2)} (÷ JSON.parse+stringify ${fmt(x.refMs, 0)} ms)`, '≤ 2', verdict(x.ratio <= 2)]);
  }
}

const h = out['mlp-http'];
if (h) {
  const r = h.results;
  rows.push(['mlp-http', 'gradserve', `${fmt(r.gradserve.ms, 1)} ms (worker ${fmt(r.gradserve.jobMs, 1)} ms)`, '', r.torch ? 'faster than torch' : '', r.torch ? verdict(r.gradserve.ms < r.torch.ms) : '']);
  if (r.torch) rows.push(['mlp-http', 'fastapi+torch', `${fmt(r.torch.ms, 1)} ms`, `${fmt(r.torch.ms / r.gradserve.ms, 2)} (torch ms ÷ gradserve ms)`, '', '']);
}

const c = out.core;
if (c) {
  const ours = Object.values(c.results)[0];
  for (const [name, r] of Object.entries(c.results)) {
    rows.push(['core MLP', name, `${fmt(r.mlpMs, 2)} ms`, `${fmt(r.mlpMs / ours.mlpMs, 2)} (this ms ÷ gradserve OpenBLAS ms)`, '', '']);
    rows.push(['core GEMM 512³', name, `${fmt(r.gemmGflops, 1)} GFLOP/s`, `${fmt(ours.gemmGflops / r.gemmGflops, 2)} (gradserve OpenBLAS ÷ this)`, '', '']);
  }
}

const total = (performance.now() - started) / 1000;
console.log(`\nsummary — ${line}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; shared machine: compare ratios, not absolutes`);
console.log(table(rows));
console.log(`  times: ${Object.entries(timings).map(([k, s]) => `${k} ${fmt(s, 0)} s`).join(', ')}; total ${fmt(total, 0)} s`);
installNotes.forEach((n) => console.log('  ' + n));
