#!/usr/bin/env node
// Overload scenario: measure the service's capacity, offer it 4× that for a
// while, then drop back. Passes when the excess gets 503 + Retry-After (never
// a 500 or a dropped connection), accepted requests keep a sane latency, RSS
// stays bounded, and the service answers normally as soon as the load drops.
// Env: WORKERS (1), MAX_QUEUE (4), OVERLOAD_SECONDS (10), OVERLOAD_JOB (compute | json),
// OVERLOAD_CHUNKED (0 | 1). Prints the load generator's own event-loop utilization
// and delay (`client`): a saturated client would inflate the latencies it measures.
import { computeJob, fmt, load, matmulJob, metric, request, sleep, startService, summary } from './lib.mjs';

const workers = Number(process.env.WORKERS ?? 1);
const seconds = Number(process.env.OVERLOAD_SECONDS ?? 10);
const svc = await startService({ WORKERS: String(workers), MAX_QUEUE: process.env.MAX_QUEUE ?? String(4 * workers) });
// OVERLOAD_JOB=compute (default): the cost is in the workers (a small body
// making its matrices in the program). OVERLOAD_JOB=json: 200 KB JSON bodies
// and answers, where the main thread (parsing, encoding) saturates first; see
// the README's Overload section (the body budget and the accept-queue probe).
const job = process.env.OVERLOAD_JOB === 'json' ? matmulJob() : computeJob();
const rss = () => metric(svc.base, 'gradserve_process_resident_memory_bytes');

await load(svc.base, job, { durationMs: 1000, concurrency: workers }); // warm up
const cap = await load(svc.base, job, { durationMs: 4000, concurrency: workers * 2 });
const capacity = (cap.byStatus[200] ?? 0) / 4;
const rss0 = await rss();
console.log(`capacity: ${fmt(capacity)} req/s (closed loop, ${workers * 2} clients); p50 ${fmt(summary(cap).okP50ms)} ms`);

const rate = 4 * capacity;
let rssMax = rss0;
let sampling = true;
const sampler = (async () => { while (sampling) { rssMax = Math.max(rssMax, await rss()); await sleep(500); } })();
// OVERLOAD_CHUNKED=1: bodies without Content-Length (Transfer-Encoding: chunked).
const over = await load(svc.base, job, { durationMs: seconds * 1000, rate, chunked: process.env.OVERLOAD_CHUNKED === '1' });
sampling = false;
await sampler;
const s = summary(over);
console.log(`offered ${fmt(rate)} req/s for ${seconds} s:`, JSON.stringify(s));

// Back to normal load right away.
const t0 = Date.now();
let readyAfter = NaN;
for (let i = 0; i < 100; i++) {
  if ((await request(svc.base, 'GET', '/readyz')).status === 200) { readyAfter = Date.now() - t0; break; }
  await sleep(50);
}
const after = await load(svc.base, job, { durationMs: 3000, concurrency: workers });
const a = summary(after);
console.log(`after the load: ready in ${readyAfter} ms;`, JSON.stringify(a));
// Every reason, not just the first line: which signal did the shedding.
const rejections = (await request(svc.base, 'GET', '/metrics')).body.split('\n').filter((l) => l.startsWith('gradserve_rejections_total{')).map((l) => l.replace(/^gradserve_rejections_total/, '')).join(', ');
console.log(`RSS: ${fmt(rss0 / 2 ** 20)} MiB before, ${fmt(rssMax / 2 ** 20)} MiB peak; rejections metric ${rejections}`);

const bad = Object.keys(over.byStatus).filter((k) => k !== '200' && k !== '503');
const failures = [];
if (over.errors > 0) failures.push(`${over.errors} connection errors under overload`);
if (bad.length) failures.push(`unexpected statuses under overload: ${bad.join(', ')}`);
if (Object.keys(over.errorKinds).length) failures.push(`errors: ${JSON.stringify(over.errorKinds)}`);
if (!(over.byStatus[503] > 0)) failures.push('no 503 under 4× load');
if (!(over.byStatus[200] >= capacity * seconds * 0.5)) failures.push(`goodput collapsed: ${over.byStatus[200] ?? 0} answered 200`);
if (!(s.okP99ms < 2000)) failures.push(`accepted p99 ${s.okP99ms} ms`);
if (!(rssMax < rss0 * 1.5 + 64 * 2 ** 20)) failures.push('RSS grew beyond bounds');
if (!Number.isFinite(readyAfter) || readyAfter > 2000) failures.push('not ready again within 2 s');
if (after.errors > 0 || Object.keys(after.byStatus).some((k) => k !== '200')) failures.push(`after the load: ${JSON.stringify(after.byStatus)}`);

svc.child.kill('SIGTERM');
const ex = await svc.exited;
console.log(`service exit: ${JSON.stringify(ex)}`);
if (failures.length) { console.error('OVERLOAD FAILED:\n - ' + failures.join('\n - ')); process.exit(1); }
console.log('overload: OK');
