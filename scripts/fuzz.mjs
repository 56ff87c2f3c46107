#!/usr/bin/env node
// HTTP fuzz scenario against the real service: starts it, points the
// fast-check fuzzer (test/fuzz) at it over loopback for FUZZ_RUNS requests
// (default 50,000), then checks the process is still alive, answers, and did
// not print a native fault. FUZZ_SEED replays a run.
import { spawnSync } from 'node:child_process';
import { request, startService, ROOT } from './lib.mjs';

const runs = process.env.FUZZ_RUNS ?? '50000';
const svc = await startService({ WORKERS: '2', JOB_DEADLINE_MS: '2000', MAX_OPTIMIZE_STEPS: '50', MAX_QUEUE: '1024' });
const rss0 = Number((await request(svc.base, 'GET', '/metrics')).body.match(/gradserve_process_resident_memory_bytes (\d+)/)[1]);
const t0 = Date.now();
const r = spawnSync('npx', ['vitest', 'run', 'test/fuzz'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FUZZ_TARGET: svc.base, FUZZ_RUNS: runs }, encoding: 'utf8' });
const line = (r.stdout + r.stderr).split('\n').find((l) => l.includes('fuzz:')) ?? '';
const alive = svc.child.exitCode === null;
const health = alive ? (await request(svc.base, 'GET', '/healthz')).status : 'dead';
const rss1 = alive ? Number((await request(svc.base, 'GET', '/metrics')).body.match(/gradserve_process_resident_memory_bytes (\d+)/)[1]) : NaN;
const native = /terminate called|Segmentation|Aborted|AddressSanitizer|runtime error/.test(svc.output());
console.log(line.replace(/\x1b\[[0-9;]*m/g, '').trim());
console.log(`${runs} requests over HTTP in ${((Date.now() - t0) / 1000).toFixed(1)} s; service alive: ${alive}, /healthz ${health}, RSS ${(rss0 / 2 ** 20).toFixed(0)} → ${(rss1 / 2 ** 20).toFixed(0)} MiB, native faults printed: ${native}`);
if (r.status !== 0) console.log((r.stdout + r.stderr).split('\n').filter((l) => /Counterexample|Caused by|seed/.test(l)).join('\n'));
svc.child.kill('SIGTERM');
const ex = await svc.exited;
if (r.status !== 0 || !alive || native || ex.code !== 0) { console.error('FUZZ FAILED'); process.exit(1); }
console.log('fuzz: OK');
