// Bytes the main thread allocates per request, by function: V8's sampling heap
// profiler with collected objects kept in the samples (node's --heap-prof keeps
// only what is still alive), while autocannon (a child process, 50 connections)
// loads one route of the app listening in this process. Allocation is what the
// young-generation GC pays for, so this says where its time comes from.
// Env: ROUTE (/v1/graph), DURATION (s, 4), TOP (rows, 30), INTERVAL (sampling
// bytes, 512), SURVIVORS=1 (only objects that outlived a young-generation GC:
// what gets promoted and makes the old generation grow). Needs `npm run build`.
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import { buildApp } from '../dist/app.js';
import { BODY } from './graph-222.js';

const ROUTE = process.env.ROUTE ?? '/v1/graph';
const DURATION = Number(process.env.DURATION ?? 4);
const TOP = Number(process.env.TOP ?? 30);
const app = await buildApp({ logLevel: 'warn', workers: 1, maxEventLoopDelayMs: 0 });
app.post('/echo-bench', (req, reply) => {
  reply.send(req.body);
});
let answered = 0;
app.addHook('onResponse', (_req, _reply, done) => {
  answered++;
  done();
});
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const bin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const load = (seconds) =>
  new Promise((resolve, reject) =>
    spawn(process.execPath, [bin, '-c', '50', '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', '-b', BODY, base + ROUTE], { stdio: 'ignore' })
      .on('error', reject)
      .on('exit', resolve),
  );

await load(2); // warm-up: JIT, compile cache, answer templates
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: Number(process.env.INTERVAL ?? 512), includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.SURVIVORS !== '1' });
const before = answered;
await load(DURATION);
const { profile } = await session.post('HeapProfiler.stopSampling');
const requests = answered - before;

const self = new Map();
let total = 0;
(function walk(node) {
  const cf = node.callFrame;
  const where = (cf.url || '').replace(/^.*\/(node_modules|dist)\//, '$1/');
  const label = `${cf.functionName || '(anonymous)'} ${where}:${cf.lineNumber + 1}`;
  total += node.selfSize;
  self.set(label, (self.get(label) ?? 0) + node.selfSize);
  for (const c of node.children) walk(c);
})(profile.head);
console.log(`${ROUTE}: ${requests} requests, ${(total / requests / 1024).toFixed(1)} KiB allocated per request (sampled)`);
for (const [label, bytes] of [...self].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${String(Math.round(bytes / requests)).padStart(7)} B  ${label}`);
await app.close();
