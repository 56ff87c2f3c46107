#!/usr/bin/env node
// Shutdown scenario: SIGTERM while jobs are in flight and under steady load.
// (1) Accepted requests all complete (200) and the process exits 0; new
// connections are refused. (2) A job longer than SHUTDOWN_GRACE_MS is
// cancelled at the end of the grace period (504), and the process still exits
// 0 — never 'terminate called' (a worker inside the addon at exit). (3) Load
// + SIGTERM, several rounds. Env: SHUTDOWN_ROUNDS (3).
import { agent, fmt, load, matmulJob, request, sleep, startService } from './lib.mjs';

const failures = [];
const crashed = (out) => /terminate called|Napi::Error|Segmentation|Aborted|core dumped/i.test(out);

// (1) In-flight jobs finish.
{
  const svc = await startService({ WORKERS: '1', MAX_QUEUE: '64', SHUTDOWN_GRACE_MS: '10000' });
  const body = { inputs: {}, program: 'a = ones([1500, 1500]) / 1500\nb = (a @ a).sum()', outputs: ['b'] };
  const inflight = Array.from({ length: 8 }, () => request(svc.base, 'POST', '/v1/graph', body).catch((e) => ({ status: e.code ?? e.message })));
  // SIGTERM once the service really holds the 8 jobs (running or queued): a
  // request still in the client or in the kernel's accept queue is not in
  // flight yet, and on a loaded machine a fixed sleep does not tell them apart.
  for (const until = Date.now() + 10_000; Date.now() < until; await sleep(10)) {
    const r = await request(svc.base, 'GET', '/readyz', undefined, { agent: false }).catch(() => undefined);
    const j = r ? JSON.parse(r.body) : {};
    if ((j.busy ?? 0) + (j.queued ?? 0) >= 8) break;
  }
  const t0 = performance.now();
  svc.child.kill('SIGTERM');
  await sleep(50);
  const late = await request(svc.base, 'GET', '/healthz', undefined, { agent: false }).then((r) => r.status, (e) => e.code);
  const results = await Promise.all(inflight);
  const ex = await svc.exited;
  const ms = performance.now() - t0;
  const statuses = results.map((r) => r.status);
  console.log(`(1) 8 jobs in flight at SIGTERM: statuses ${JSON.stringify(statuses)}; a new connection after SIGTERM: ${late}; exit ${JSON.stringify(ex)} after ${fmt(ms, 0)} ms`);
  if (!statuses.every((s) => s === 200)) failures.push(`(1) in-flight requests lost: ${statuses}`);
  if (ex.code !== 0) failures.push(`(1) exit ${JSON.stringify(ex)}`);
  if (late === 200) failures.push('(1) still accepting new connections after SIGTERM');
  if (crashed(svc.output())) failures.push('(1) native crash at exit');
}

// (2) A job past the grace period is cancelled; still exit 0.
{
  const svc = await startService({ WORKERS: '1', SHUTDOWN_GRACE_MS: '500', MAX_JOB_FLOPS: String(1e13) });
  const long = request(svc.base, 'POST', '/v1/graph', { inputs: {}, program: 'a = ones([4000, 4000]) / 4000\nb = a @ a @ a', outputs: ['b'], encoding: 'base64' }).catch((e) => ({ status: e.code }));
  await sleep(200);
  const t0 = performance.now();
  svc.child.kill('SIGTERM');
  const r = await long;
  const ex = await svc.exited;
  const ms = performance.now() - t0;
  console.log(`(2) a 30 s job at SIGTERM with SHUTDOWN_GRACE_MS=500: answered ${r.status}, exit ${JSON.stringify(ex)} after ${fmt(ms, 0)} ms`);
  if (r.status !== 504) failures.push(`(2) the long job got ${r.status}`);
  if (ex.code !== 0 || ms > 1500) failures.push(`(2) exit ${JSON.stringify(ex)} after ${fmt(ms, 0)} ms`);
  if (crashed(svc.output())) failures.push('(2) native crash at exit');
}

// (3) SIGTERM under load, several rounds: no 500, every answered request is 200 or 503.
const rounds = Number(process.env.SHUTDOWN_ROUNDS ?? 3);
for (let i = 0; i < rounds; i++) {
  const svc = await startService({ WORKERS: '2', MAX_QUEUE: '8', SHUTDOWN_GRACE_MS: '5000' });
  const job = matmulJob(64, 3);
  const loading = load(svc.base, job, { durationMs: 1500, concurrency: 8 });
  await sleep(700);
  svc.child.kill('SIGTERM');
  const st = await loading;
  const ex = await svc.exited;
  agent.destroy();
  const bad = Object.keys(st.byStatus).filter((k) => k !== '200' && k !== '503');
  console.log(`(3.${i + 1}) SIGTERM under load: ${JSON.stringify(st.byStatus)}, after SIGTERM refused/reset: ${JSON.stringify(st.errorKinds)}, exit ${JSON.stringify(ex)}`);
  if (bad.length) failures.push(`(3.${i + 1}) statuses ${bad}`);
  if (ex.code !== 0) failures.push(`(3.${i + 1}) exit ${JSON.stringify(ex)}`);
  if (crashed(svc.output())) failures.push(`(3.${i + 1}) native crash at exit: ${svc.output().slice(-500)}`);
}

if (failures.length) { console.error('SHUTDOWN FAILED:\n - ' + failures.join('\n - ')); process.exit(1); }
console.log('shutdown: OK');
