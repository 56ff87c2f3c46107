#!/usr/bin/env node
// Deadline scenario: jobs that run long on their own (one big matmul, a long
// optimize loop, ctc_loss on long sequences, a long op chain) against a short
// JOB_DEADLINE_MS. Each must be answered 504 within the deadline + 100 ms, the
// worker must take the next job right after (the engine really stopped), and
// the service must burn no CPU once the 504 is out (no orphaned computation).
// Env: JOB_DEADLINE_MS (300).
import { readFileSync } from 'node:fs';
import { fmt, request, sleep, startService } from './lib.mjs';

const deadline = Number(process.env.JOB_DEADLINE_MS ?? 300);
// Allowed lateness of the 504 (the suite, sharing the cores with other test files, allows more).
const slack = Number(process.env.DEADLINE_SLACK_MS ?? 100);
const svc = await startService({ WORKERS: '1', JOB_DEADLINE_MS: String(deadline), MAX_JOB_FLOPS: String(1e13), MAX_OPTIMIZE_STEPS: '1000000', MAX_JOB_OPS: '100000000', MAX_JOB_BYTES: String(8 * 2 ** 30), MAX_TENSOR_ELEMENTS: String(2 ** 26) });
const cpuSeconds = () => {
  const f = readFileSync(`/proc/${svc.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks
};

const T = 3000, S = 1400;
const cases = {
  'matmul 4000×4000 @ 4000×4000 (one kernel)': ['/v1/graph', { inputs: {}, program: 'a = ones([4000, 4000]) / 4000\nb = a @ a', outputs: ['b'], encoding: 'base64' }],
  'optimize: 1,000,000 adam steps': ['/v1/optimize', { inputs: { x: { data: Array(64 * 64).fill(0.1), shape: [64, 64], requires_grad: true } }, program: 'y = ((x @ x).tanh() ** 2).sum()', loss: 'y', optimizer: { name: 'adam', lr: 0.001 }, steps: 1_000_000 }],
  [`ctc_loss T=${T}, S=${S}, with grad`]: ['/v1/losses/ctc_loss', { log_probs: { shape: [T, 1, 3], data: Array(T * 3).fill(-1.0986) }, targets: [Array.from({ length: S }, (_, i) => 1 + (i % 2))], input_lengths: [T], target_lengths: [S] }],
  'hessian of a 6000-wide function': ['/v1/graph', { inputs: { x: { data: Array(6000).fill(0.5), requires_grad: true } }, program: 'h = hessian((x.sin() * x).sum(), x)\ns = h.sum()', outputs: ['s'], encoding: 'base64' }],
  '4,500 statement chain of 300×300 ops': ['/v1/graph', { inputs: {}, program: ['v0 = ones([300, 300])', ...Array.from({ length: 4500 }, (_, i) => `v${i + 1} = (v${i} * 1.0001).tanh()`)].join('\n'), encoding: 'base64' }],
};
// The next job must run on the worker to show that the worker is free: a tiny
// graph would run on the main thread (INLINE_MAX_FLOPS) while the worker is
// still ending the stopped job. 2·64³ FLOPs is over that bound and takes < 1 ms.
const small = { program: 'y = (ones(64, 64) @ ones(64, 64)).sum()' };
const failures = [];
const rows = [];
await request(svc.base, 'POST', '/v1/graph', small);
for (const [name, [path, body]] of Object.entries(cases)) {
  // Time spent before the job reaches the pool (parse, compile), from a dry run where there is one.
  const prep = path === '/v1/graph' ? (await request(svc.base, 'POST', path, { ...body, dry_run: true })).ms : 0;
  const r = await request(svc.base, 'POST', path, body);
  const next = await request(svc.base, 'POST', '/v1/graph', small);
  const cpu0 = cpuSeconds();
  await sleep(500);
  const idleCpuMs = (cpuSeconds() - cpu0) * 1000;
  // The 504 latency includes sending the body; x-job-ms is not set on a 504.
  rows.push({ case: name, status: r.status, ms: +fmt(r.ms), prepMs: +fmt(prep), jobMs: +fmt(r.ms - prep), nextJobMs: +fmt(next.ms), cpuMsInNext500ms: +fmt(idleCpuMs, 0) });
  if (r.status !== 504) failures.push(`${name}: ${r.status} ${r.body.slice(0, 200)}`);
  else if (r.ms - prep > deadline + slack) failures.push(`${name}: 504 ${fmt(r.ms - prep)} ms after the job was queued (deadline ${deadline} ms + ${slack})`);
  if (next.status !== 200 || next.ms > slack) failures.push(`${name}: the next job took ${fmt(next.ms)} ms (${next.status})`);
  if (idleCpuMs > 100) failures.push(`${name}: ${fmt(idleCpuMs, 0)} ms of CPU in the 500 ms after the 504 (orphaned computation?)`);
}
console.log(`JOB_DEADLINE_MS=${deadline}, WORKERS=1`);
console.table(rows);
svc.child.kill('SIGTERM');
const ex = await svc.exited;
if (ex.code !== 0) failures.push(`service exit ${JSON.stringify(ex)}`);
if (failures.length) { console.error('DEADLINE FAILED:\n - ' + failures.join('\n - ')); process.exit(1); }
console.log('deadline: OK');
