// Shared helpers for the benches: spawn services on loopback and stop them on
// any exit, wait for readiness, run a time-bounded autocannon load, print tables.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { configureBlasEnv } from '../dist/blas-env.js';

/** node's arguments in `npm start` (its flags and dist/server.js): the benchmarks run the service as users do. */
export const START_ARGS = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts.start.split(' ').slice(1);

/** The same for another checkout (bench/ab-builds.js, bench/tail.js): its own flags, its script path made absolute. */
export function startArgsOf(dir) {
  const args = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts.start.split(' ').slice(1);
  return args.map((a) => (a.endsWith('.js') ? join(dir, a) : a));
}

// Services spawned by the benches (ours and the PyTorch peer) use the same OpenBLAS kernels.
configureBlasEnv(process.env);

export const HOST = '127.0.0.1';
export const PYTHON = '/usr/bin/python3';

const children = new Set();

// Each child leads its own process group, so stopping it also stops what it
// forked (uvicorn's worker processes).
function killGroup(child, signal = 'SIGTERM') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

process.on('exit', () => children.forEach((c) => killGroup(c, 'SIGKILL')));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    children.forEach((c) => killGroup(c));
    process.exit(130);
  });
}
process.on('uncaughtException', (e) => {
  console.error(e);
  process.exit(1); // the 'exit' handler kills the children
});
process.on('unhandledRejection', (e) => {
  console.error(e);
  process.exit(1);
});

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Spawns a service, waits until GET readyPath answers 200 (at most timeoutMs). */
export async function startService(name, cmd, args, { env = {}, port, readyPath = '/readyz', timeoutMs = 60_000 } = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stopping = false;
  let died;
  child.once('exit', (code, signal) => {
    if (stopping) return;
    died = `${name} exited during the bench (${signal ? 'signal ' + signal : 'code ' + code})`;
    process.stderr.write(`[${name}] ${died}\n`);
  });
  for (const stream of [child.stdout, child.stderr])
    stream.on('data', (buf) => process.stderr.write(buf.toString().replace(/^(?=.)/gm, `[${name}] `)));
  const url = `http://${HOST}:${port}`;
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before it was ready`);
    try {
      const r = await fetch(url + readyPath, { signal: AbortSignal.timeout(1000) });
      if (r.ok)
        return {
          name,
          url,
          /** Why the service is gone, when it died before stop() (a crash, a signal from outside). */
          died: () => died,
          stop: () => {
            stopping = true;
            return stopService(child);
          },
        };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopService(child);
  throw new Error(`${name} was not ready at ${url + readyPath} within ${timeoutMs} ms`);
}

async function stopService(child) {
  const gone = new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
  killGroup(child);
  const t = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
  await gone;
  clearTimeout(t);
  children.delete(child);
}

/** One autocannon run (bounded by `duration` seconds). */
export async function load(url, body, { connections = 50, duration = 10 } = {}) {
  const r = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration,
  });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    total: r.requests.total,
  };
}

/** Machine description for the report header. */
export function machine() {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    /* not Linux */
  }
  return { cpu: model.trim(), cores: cpus().length, node: process.version };
}

/** True when /usr/bin/python3 can import every module given. */
export function pythonHas(...modules) {
  const r = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore', timeout: 60_000 });
  return r.status === 0;
}

/** A plain text table: rows are arrays of cells, the first row is the header. */
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TFJS_DIR = fileURLToPath(new URL('peers/tfjs/', import.meta.url));

/**
 * Installs the peers when missing, unless BENCH_NO_INSTALL=1: the Python peer's
 * Debian packages (bench/peers/install.sh, idempotent) and the tfjs peer's npm
 * packages (`npm ci --prefix bench/peers/tfjs`, from its package-lock.json).
 * Returns notes for what could not be installed; the scenarios then skip that peer.
 */
export function ensurePeers({ log = (s) => console.log(s) } = {}) {
  const notes = [];
  if (process.env.BENCH_NO_INSTALL === '1') return notes;
  if (!pythonHas('fastapi', 'uvicorn', 'torch')) {
    log('bench: installing the Python peer (bench/peers/install.sh) ...');
    const r = spawnSync('sh', [ROOT + 'bench/peers/install.sh'], { stdio: 'inherit', timeout: 900_000 });
    if (r.status !== 0) notes.push(`bench/peers/install.sh failed (${r.error?.message ?? 'exit ' + r.status}); fastapi+torch skipped`);
  }
  if (!tfjsInstalled()) {
    log('bench: installing the tfjs peer (npm ci --prefix bench/peers/tfjs) ...');
    const r = spawnSync('npm', ['ci', '--prefix', TFJS_DIR, '--no-audit', '--no-fund', '--loglevel=error'], { stdio: 'inherit', timeout: 900_000 });
    if (r.status !== 0) notes.push(`npm ci --prefix bench/peers/tfjs failed (${r.error?.message ?? 'exit ' + r.status}); fastify+tfjs skipped`);
  }
  return notes;
}

export function tfjsInstalled() {
  return existsSync(TFJS_DIR + 'node_modules/@tensorflow/tfjs/package.json') && existsSync(TFJS_DIR + 'node_modules/fastify/package.json');
}

// One keep-alive agent per bench process: sequential requests reuse a socket,
// as a client sending big tensors repeatedly would.
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/**
 * One POST with node:http (no fetch/undici layer): `body` a Buffer sent as is,
 * the answer collected into one Buffer. `ms` runs from the request being
 * written to the last byte of the answer received (nothing is parsed).
 */
export function postRaw(url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = httpRequest(url, { method: 'POST', agent, headers: { 'content-length': body.length, ...headers } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
