// Main-thread cost per request, without HTTP sockets: fastify.inject with 50
// requests in flight against /v1/graph (the 2-2-2 net) and against a bare echo
// route in the same app, reporting the event loop's busy time per request
// (performance.eventLoopUtilization) — the figure the small-graph throughput
// is bound by on a 2-core machine. Env: N (requests, default 20000).
import { performance } from 'node:perf_hooks';
import { buildApp } from '../dist/app.js';
import { BODY } from './graph-222.js';

const N = Number(process.env.N ?? 20000);
const app = await buildApp({ logLevel: 'warn', workers: Number(process.env.WORKERS ?? 2), maxEventLoopDelayMs: 0 });
app.post('/echo-bench', async (req) => req.body);
await app.ready();

async function measure(url) {
  let next = 0;
  const one = async () => {
    while (next < N) {
      next++;
      const r = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: BODY });
      if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
    }
  };
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 50 }, one));
  const ms = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0);
  return { rps: (N / ms) * 1000, busyUsPerReq: (elu.active / N) * 1000 };
}

for (let round = 0; round < 2; round++)
  for (const url of ['/v1/graph', '/echo-bench']) {
    const r = await measure(url);
    console.log(`${url.padEnd(12)} ${r.rps.toFixed(0).padStart(6)} req/s  main thread busy ${r.busyUsPerReq.toFixed(1)} µs/request`);
  }
await app.close();
