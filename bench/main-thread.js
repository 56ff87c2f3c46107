// Main-thread cost per request over real HTTP: the app listens in this
// process, autocannon (a child process, 50 connections) loads /v1/graph with
// the 2-2-2 net and then a bare echo route of the same app, and this reports
// the main thread's own CPU time per answered request (Linux schedstat) — the
// figure the small-graph throughput is bound by on a 2-core machine. CPU time,
// unlike wall-clock busy time, is not inflated by other processes on a busy
// machine. It also reports the whole process's CPU time per request (main
// thread, workers, GC threads): on 2 cores shared with the load generator,
// that total bounds the rate too. Env: DURATION (s per round and route,
// default 5), ROUNDS (2), ROUTES (comma-separated, default /v1/graph,/echo-bench;
// one route alone for a profile of it: node --cpu-prof bench/main-thread.js).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildApp } from '../dist/app.js';
import { BODY } from './graph-222.js';

const DURATION = Number(process.env.DURATION ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const app = await buildApp({ logLevel: 'warn', workers: Number(process.env.WORKERS ?? 2), maxEventLoopDelayMs: 0 });
app.post('/echo-bench', (req, reply) => {
  reply.send(req.body);
});
let answered = 0;
app.addHook('onResponse', (_req, reply, done) => {
  if (reply.statusCode === 200) answered++;
  done();
});
const base = await app.listen({ port: 0, host: '127.0.0.1' });

// Nanoseconds this (main) thread has run on a CPU; NaN off Linux.
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
const cpuNs = () => (existsSync(SCHEDSTAT) ? Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) : NaN);

const bin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
function autocannon(url) {
  const args = [bin, '-c', '50', '-d', String(DURATION), '-m', 'POST', '-H', 'content-type=application/json', '-b', BODY, '--json', url];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', () => resolve(JSON.parse(out)));
  });
}

async function measure(path) {
  const cpu0 = cpuNs();
  const all0 = process.cpuUsage();
  const n0 = answered;
  const r = await autocannon(base + path);
  const n = answered - n0;
  const all = process.cpuUsage(all0);
  return { rps: r.requests.average, p99: r.latency.p99, cpuUsPerReq: (cpuNs() - cpu0) / n / 1000, allUsPerReq: (all.user + all.system) / n, errors: r.errors + r.non2xx };
}

for (let round = 0; round < ROUNDS; round++)
  for (const path of (process.env.ROUTES ?? '/v1/graph,/echo-bench').split(',')) {
    const r = await measure(path);
    console.log(`${path.padEnd(12)} ${r.rps.toFixed(0).padStart(6)} req/s  p99 ${String(r.p99).padStart(3)} ms  CPU per request: main thread ${r.cpuUsPerReq.toFixed(1).padStart(6)} µs, whole process ${r.allUsPerReq.toFixed(1).padStart(6)} µs${r.errors ? `  ${r.errors} failed` : ''}`);
  }
await app.close();
