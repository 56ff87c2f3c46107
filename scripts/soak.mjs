#!/usr/bin/env node
// Soak scenario: steady load (a mix of every compute endpoint) for
// SOAK_SECONDS (default 300) after a 20 s warm-up. Passes with zero errors
// (every answer 200, no connection error) and RSS growth under 10% from the
// start to the end (medians of three samples). Prints RSS every 30 s.
import { fmt, load, matmulJob, metric, request, startService, summary } from './lib.mjs';

const seconds = Number(process.env.SOAK_SECONDS ?? 300);
const workers = Number(process.env.WORKERS ?? 2);
const svc = await startService({ WORKERS: String(workers) });
const mm = matmulJob(64, 3);
const mix = [
  mm,
  () => ['POST', '/v1/losses/cross_entropy', { input: [[1, 2, 0.5], [1, 3, -1], [0, 0, 1]], target: [0, 1, 2], weight: [1, 2, 1] }],
  () => ['POST', '/v1/activations/softmax', { input: [[1, 2, 3], [0, -1, 4]], dim: 1, jacobian: true }],
  () => ['POST', '/v1/optimizers/adam/step', { params: { w: [[0.5, -0.2], [0.1, 0.3]] }, grads: { w: [[1, 1], [1, -1]] }, lr: 0.01, steps: 3 }],
  () => ['POST', '/v1/optimize', { inputs: { x: { data: [2.0, -1.0], requires_grad: true } }, program: 'y = ((2 * x) ** 2).sum()', loss: 'y', optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 }, steps: 50 }],
  () => ['POST', '/v1/graph', { inputs: { x: { data: [[1, 2], [3, 4]], requires_grad: true } }, program: 'h = hessian((x ** 3).sum(), x)\ny = h.sum()', outputs: ['y'] }],
];
let k = 0;
const make = () => { const [m, p, b] = mix[k++ % mix.length](); return [m, p, typeof b === 'string' ? b : JSON.stringify(b)]; };
const rss = () => metric(svc.base, 'gradserve_process_resident_memory_bytes');

const warm = await load(svc.base, make, { durationMs: 20_000, concurrency: workers });
const rss0 = await rss();
console.log(`warm-up: ${JSON.stringify(summary(warm).byStatus)}; RSS ${fmt(rss0 / 2 ** 20)} MiB`);
const total = { sent: 0, byStatus: {}, errors: 0, lat: [] };
const samples = [];
for (let t = 0; t < seconds; t += 30) {
  const st = await load(svc.base, make, { durationMs: Math.min(30, seconds - t) * 1000, concurrency: workers });
  total.sent += st.sent;
  total.errors += st.errors;
  for (const [s, n] of Object.entries(st.byStatus)) total.byStatus[s] = (total.byStatus[s] ?? 0) + n;
  total.lat.push(...(st.lat[200] ?? []));
  const r = await rss();
  samples.push(r);
  console.log(`t=${t + 30}s: ${st.sent} requests, ${JSON.stringify(st.byStatus)}, p99 ${fmt(summary(st).okP99ms)} ms, RSS ${fmt(r / 2 ** 20)} MiB`);
}
// RSS moves ±15% with the allocator's arenas from one sample to the next; a
// leak is a trend, so compare the median of the first and of the last three samples.
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const first = med([rss0, ...samples.slice(0, 2)]);
const rss1 = med(samples.slice(-3));
const growth = (rss1 - first) / first;
const sorted = total.lat.sort((a, b) => a - b);
const p = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const errors = total.errors + Object.entries(total.byStatus).filter(([s]) => s !== '200').reduce((a, [, n]) => a + n, 0);
console.log(`soak ${seconds} s, ${workers} workers: ${total.sent} requests (${fmt(total.sent / seconds)} req/s), errors ${errors}, p50 ${fmt(p(0.5))} ms, p99 ${fmt(p(0.99))} ms; RSS (median of the first / last 3 samples) ${fmt(first / 2 ** 20)} → ${fmt(rss1 / 2 ** 20)} MiB (${fmt(growth * 100)}%), peak ${fmt(Math.max(...samples) / 2 ** 20)} MiB`);
svc.child.kill('SIGTERM');
const ex = await svc.exited;
if (errors > 0 || growth >= 0.1 || ex.code !== 0) { console.error('SOAK FAILED'); process.exit(1); }
console.log('soak: OK');
