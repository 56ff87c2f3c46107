#!/usr/bin/env node
// npm run scale-test: horizontal scale-out without Docker, on loopback.
//
// Starts 3 gradserve instances (WORKERS=1 each) and Debian's nginx with
// deploy/nginx.conf unchanged (scripts/nginx-local.mjs writes the included
// upstream/listen files), then with autocannon:
//   1. throughput through nginx with 1 instance, then with 3 instances;
//   2. a run during which instance #2 is SIGKILLed and, a few seconds later,
//      restarted on the same port.
// Passes (exit 0) when no client request failed (transport error, timeout or
// non-2xx) in any phase, the restarted instance serves requests again and the
// throughput after the restart is back near the level before the kill.
// Every child is killed on exit. Bounded: about a minute.
//
// Environment: SCALE_N (matrix size, 256), SCALE_CONNECTIONS (24), SCALE_PHASE_S (10), SCALE_CHAOS_S (24),
// NGINX (path of the nginx binary).
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { findNginx, renderNginx, repoRoot, startNginx } from './nginx-local.mjs';

// node's arguments in `npm start`: the replicas run as users run the service.
const START_ARGS = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts.start.split(' ').slice(1);

const CONNECTIONS = Number(process.env.SCALE_CONNECTIONS ?? 24);
const PHASE_S = Number(process.env.SCALE_PHASE_S ?? 10);
const CHAOS_S = Number(process.env.SCALE_CHAOS_S ?? 24);
const KILL_AT_S = Math.round(CHAOS_S / 3);
const DOWN_S = 4;
const HARD_LIMIT_MS = 150_000;

// The request every phase sends: an N×N matmul chain with tanh and a
// backward pass (CPU-bound in the engine, a small JSON body and answer).
const N = Number(process.env.SCALE_N ?? 256);
const BODY = JSON.stringify({
  inputs: { w: { data: 0.01, requires_grad: true } },
  program: `a = ones([${N}, ${N}]) * w\nb = tanh(a @ a)\nc = tanh(b @ a)\nloss = sum(c * c)`,
  outputs: ['loss'],
  backward: { of: 'loss', wrt: ['w'] },
});
const PATH = '/v1/graph';

const log = (...a) => console.log('[scale-test]', ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = new Set();
const tmp = mkdtempSync(path.join(tmpdir(), 'gradserve-scale-'));
// nginx may run as `nobody` (when we are root): it must reach its prefix below.
chmodSync(tmp, 0o755);

function killAll() {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try {
        // nginx: TERM lets the master stop its workers; node: KILL is fine.
        c.kill(c.gsKind === 'nginx' ? 'SIGTERM' : 'SIGKILL');
      } catch {}
    }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    killAll();
    process.exit(130);
  });
}
process.on('uncaughtException', (e) => {
  console.error(e);
  killAll();
  process.exit(1);
});
setTimeout(() => {
  console.error('[scale-test] time limit reached');
  killAll();
  process.exit(1);
}, HARD_LIMIT_MS).unref();

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url, what, timeoutMs = 20_000) {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    try {
      const r = await fetch(url);
      if (r.ok) return Date.now();
    } catch {}
    await sleep(50);
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms (${url})`);
}

function startInstance(i, port) {
  const out = openSync(path.join(tmp, `instance-${i}.log`), 'a');
  const child = spawn(process.execPath, START_ARGS, {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', WORKERS: '1', LOG_LEVEL: 'warn', NODE_ENV: 'production' },
    stdio: ['ignore', out, out],
  });
  child.gsKind = 'instance';
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function startLb(name, upstreamPorts) {
  const dir = path.join(tmp, name);
  const listenPort = await freePort();
  const files = renderNginx(dir, { listenPort, upstreams: upstreamPorts.map((p) => `127.0.0.1:${p}`) });
  const child = startNginx(nginx, dir);
  child.gsKind = 'nginx';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  children.add(child);
  child.on('exit', (code) => {
    children.delete(child);
    if (!stopping) console.error(`[scale-test] nginx ${name} exited (${code}): ${stderr}${safeRead(files.errorLog)}`);
  });
  const exited = new Promise((_, reject) => child.on('exit', (code) => reject(new Error(`nginx ${name} exited (${code})`))));
  exited.catch(() => {});
  await Promise.race([waitFor(`http://127.0.0.1:${listenPort}/lb-health`, `nginx ${name}`), exited]);
  return { url: `http://127.0.0.1:${listenPort}`, ...files };
}

function safeRead(f) {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

/** One autocannon run; per-second 2xx counts and every failure kept. */
async function drive(url, seconds, onSecond) {
  const perSecond = new Array(seconds + 2).fill(0);
  const failures = [];
  const t0 = Date.now();
  const inst = autocannon({
    url: url + PATH,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 20,
  });
  inst.on('response', (_client, status) => {
    const s = Math.floor((Date.now() - t0) / 1000);
    if (status >= 200 && status < 300) perSecond[Math.min(s, perSecond.length - 1)]++;
    else failures.push(`HTTP ${status} at ${s}s`);
  });
  inst.on('reqError', (e) => failures.push(`${e.code ?? e.message} at ${Math.floor((Date.now() - t0) / 1000)}s`));
  let timer;
  if (onSecond) {
    let sec = 0;
    timer = setInterval(() => onSecond(++sec, t0), 1000);
  }
  const result = await inst;
  if (timer) clearInterval(timer);
  return {
    t0,
    t1: Date.now(),
    perSecond: perSecond.slice(0, seconds),
    ok: result['2xx'],
    rps: result['2xx'] / seconds,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    failures,
  };
}

/** Access-log lines ($msec first; upstream=a[, b...] is every replica tried). */
function readAccess(file) {
  return safeRead(file)
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const ms = Math.round(Number(line.split(' ', 1)[0]) * 1000);
      const up = /upstream=(.*?) ustatus=/.exec(line)?.[1] ?? '';
      const tried = up.split(/\s*[,:]\s+/).filter(Boolean);
      return { ms, served: tried[tried.length - 1], tried };
    });
}

const nginx = findNginx();
if (!nginx) {
  console.error('[scale-test] nginx not found: apt-get install -y nginx (Debian), or set NGINX=/path/to/nginx');
  process.exit(2);
}
let stopping = false;
const fmt = (n) => Math.round(n).toLocaleString('en-US');
let failed = false;
const check = (ok, what) => {
  log(`${ok ? 'PASS' : 'FAIL'} ${what}`);
  if (!ok) failed = true;
};

const load0 = loadavg();
try {
  log(`${availableParallelism()} CPU(s); nginx ${nginx}; ${CONNECTIONS} connections; temp ${tmp}`);
  const ports = [await freePort(), await freePort(), await freePort()];
  const procs = ports.map((p, i) => startInstance(i + 1, p));
  await Promise.all(ports.map((p, i) => waitFor(`http://127.0.0.1:${p}/readyz`, `instance ${i + 1}`)));
  const name = new Map(ports.map((p, i) => [`127.0.0.1:${p}`, `#${i + 1}`]));
  log(`instances ${ports.map((p, i) => `#${i + 1}=127.0.0.1:${p}`).join(' ')} (WORKERS=1 each)`);
  const lb1 = await startLb('lb-1', [ports[0]]);
  const lb3 = await startLb('lb-3', ports);
  log(`nginx (deploy/nginx.conf): 1 instance at ${lb1.url}, 3 instances at ${lb3.url}`);

  const probe = await fetch(lb3.url + PATH, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
  if (!probe.ok) throw new Error(`probe request: HTTP ${probe.status} ${await probe.text()}`);

  log('warm-up 2 s');
  await drive(lb3.url, 2);

  // 1 and 3 instances alternate in half-phases (1, 3, 1, 3) so that other
  // load on the machine weighs on both figures alike.
  const half = Math.max(1, Math.round(PHASE_S / 2));
  const runs = { one: [], three: [] };
  for (const round of [1, 2]) {
    for (const [key, lb, label] of [['one', lb1, '1 instance '], ['three', lb3, '3 instances']]) {
      const r = await drive(lb.url, half);
      runs[key].push(r);
      log(`phase ${round === 1 ? 'A' : 'B'}: ${label} ${half} s: ${fmt(r.rps)} req/s, p50 ${r.latencyP50} ms, p99 ${r.latencyP99} ms, failed ${r.failures.length}`);
    }
  }
  const merge = (rs) => ({
    rps: rs.reduce((a, r) => a + r.ok, 0) / (half * rs.length),
    latencyP50: Math.max(...rs.map((r) => r.latencyP50)),
    latencyP99: Math.max(...rs.map((r) => r.latencyP99)),
    failures: rs.flatMap((r) => r.failures),
  });
  const one = merge(runs.one);
  const three = merge(runs.three);

  log(`phase 3: 3 instances, ${CHAOS_S} s; SIGKILL #2 at ${KILL_AT_S} s, restart at ${KILL_AT_S + DOWN_S} s`);
  const ev = {};
  const restart = async () => {
    ev.restart = Date.now();
    procs[1] = startInstance(2, ports[1]);
    ev.ready = await waitFor(`http://127.0.0.1:${ports[1]}/readyz`, 'restarted instance 2');
  };
  let restarting;
  const chaos = await drive(lb3.url, CHAOS_S, (sec) => {
    if (sec === KILL_AT_S) {
      ev.kill = Date.now();
      procs[1].kill('SIGKILL');
      log(`  ${sec} s: SIGKILL instance #2 (pid ${procs[1].pid})`);
    } else if (sec === KILL_AT_S + DOWN_S) {
      log(`  ${sec} s: restarting instance #2 on port ${ports[1]}`);
      restarting = restart();
    }
  });
  await restarting;
  stopping = true;

  // Per-instance counts from nginx's access log ($upstream_addr).
  const lines = readAccess(lb3.accessLog).filter((l) => l.ms >= chaos.t0 && l.ms <= chaos.t1 + 1000);
  const windows = [
    ['before kill', chaos.t0, ev.kill],
    ['#2 down', ev.kill, ev.restart],
    ['after restart', ev.restart, chaos.t1 + 1000],
  ];
  const table = windows.map(([label, a, b]) => {
    const counts = Object.fromEntries([...name.values()].map((n) => [n, 0]));
    for (const l of lines) if (l.ms >= a && l.ms < b && name.has(l.served)) counts[name.get(l.served)]++;
    return { label, seconds: (b - a) / 1000, counts };
  });
  const retried = lines.filter((l) => l.tried.length > 1).length;
  const addr2 = `127.0.0.1:${ports[1]}`;
  const firstBack = lines.find((l) => l.ms >= ev.restart && l.served === addr2);

  // Throughput per second: before the kill (skipping the first second), while
  // #2 is down, after the restart.
  const sec = (t) => Math.floor((t - chaos.t0) / 1000);
  const mean = (a) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : 0);
  const before = mean(chaos.perSecond.slice(1, sec(ev.kill)));
  const down = mean(chaos.perSecond.slice(sec(ev.kill) + 1, sec(ev.restart)));
  const afterSlice = chaos.perSecond.slice(sec(ev.ready) + 1);
  const after = mean(afterSlice);
  const recSec = chaos.perSecond.findIndex((v, i) => i > sec(ev.ready) && v >= 0.9 * before);

  console.log('');
  console.log('==================== gradserve scale test ====================');
  console.log(`machine: ${availableParallelism()} CPU(s); each instance WORKERS=1; nginx worker_processes auto; autocannon ${CONNECTIONS} connections in this process`);
  console.log(`request: POST ${PATH} (${N}x${N} matmul chain + backward, a fresh ${N}x${N} problem each time)`);
  console.log('');
  console.log(`load average when started: ${load0.map((x) => x.toFixed(2)).join(' ')} (other processes on this machine share its CPUs)`);
  console.log(`throughput through nginx, ${2 * half} s each in alternating ${half} s runs (2xx req/s, worst p50 / p99 latency):`);
  console.log(`  1 instance : ${fmt(one.rps).padStart(6)} req/s   ${one.latencyP50} / ${one.latencyP99} ms   failed ${one.failures.length}`);
  console.log(`  3 instances: ${fmt(three.rps).padStart(6)} req/s   ${three.latencyP50} / ${three.latencyP99} ms   failed ${three.failures.length}`);
  console.log(`  ratio 3/1  : ${(three.rps / one.rps).toFixed(2)}x`);
  console.log('');
  console.log(`SIGKILL run (${CHAOS_S} s, #2 killed at ${((ev.kill - chaos.t0) / 1000).toFixed(1)} s, restarted at ${((ev.restart - chaos.t0) / 1000).toFixed(1)} s):`);
  console.log(`  requests ok ${fmt(chaos.ok)}, failed ${chaos.failures.length} (errors ${chaos.errors}, timeouts ${chaos.timeouts}, non-2xx ${chaos.non2xx})`);
  console.log(`  retried by nginx on another instance: ${retried}`);
  console.log(`  req/s per second: ${chaos.perSecond.join(' ')}`);
  console.log(`  mean req/s: before kill ${fmt(before)}, #2 down ${fmt(down)}, after restart ${fmt(after)}`);
  console.log(`  restarted #2 ready (/readyz) ${((ev.ready - ev.restart) / 1000).toFixed(2)} s after spawn; first request served ${firstBack ? ((firstBack.ms - ev.restart) / 1000).toFixed(2) + ' s after spawn' : 'never'}`);
  console.log(`  throughput back to >= 90% of before-kill: ${recSec >= 0 ? `${recSec - sec(ev.restart)} s after restart` : 'not reached'}`);
  console.log('  requests served per instance (nginx access log, $upstream_addr):');
  for (const w of table) {
    console.log(`    ${w.label.padEnd(14)} (${w.seconds.toFixed(1).padStart(4)} s): ${Object.entries(w.counts).map(([k, v]) => `${k} ${String(v).padStart(5)}`).join('  ')}`);
  }
  console.log('==============================================================');
  console.log('');

  const all = [...one.failures, ...three.failures, ...chaos.failures];
  check(all.length === 0, `no failed client request in any phase (${all.length}${all.length ? ': ' + all.slice(0, 5).join(', ') : ''})`);
  check(!!firstBack && table[2].counts['#2'] > 0, `restarted instance #2 takes traffic again (${table[2].counts['#2']} requests)`);
  check(table[1].counts['#2'] === 0, 'no request answered by #2 while it was down');
  check(after >= 0.7 * before, `throughput after restart (${fmt(after)} req/s) >= 70% of before kill (${fmt(before)} req/s)`);
} catch (e) {
  console.error('[scale-test] error:', e);
  failed = true;
} finally {
  stopping = true;
  killAll();
  await sleep(300);
}
if (!failed) rmSync(tmp, { recursive: true, force: true });
else log(`logs kept in ${tmp}`);
process.exit(failed ? 1 : 0);
