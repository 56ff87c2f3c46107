// Shared by the scenario scripts: start the real service (node dist/server.js)
// on a free loopback port, HTTP helpers with a keep-alive agent, a time-bounded
// load loop, percentiles. Every child is killed when the script exits.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const children = new Set();
function killAll() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
process.on('exit', killAll);
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => { killAll(); process.exit(130); });

export async function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
    s.on('error', rej);
  });
}

/** node's arguments in `npm start` (its flags and dist/server.js): scenarios run the service as users do. */
export const START_ARGS = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts.start.split(' ').slice(1);

/** Starts the service; resolves once /healthz answers. */
export async function startService(env = {}, { quiet = true, extraArgs = [] } = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, [...extraArgs, ...START_ARGS], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const out = [];
  child.stdout.on('data', (d) => { out.push(d); if (!quiet) process.stdout.write(d); });
  child.stderr.on('data', (d) => { out.push(d); process.stderr.write(d); });
  const exited = new Promise((res) => child.on('exit', (code, signal) => res({ code, signal })));
  const base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited early: ${Buffer.concat(out).toString()}`);
    try { if ((await request(base, 'GET', '/healthz')).status === 200) break; } catch { /* not yet */ }
    if (Date.now() > until) throw new Error('service did not start');
    await sleep(50);
  }
  return { child, port, base, exited, output: () => Buffer.concat(out).toString() };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

/**
 * One request; resolves {status, headers, body, ms} or rejects on a connection error.
 * The body (object, string or Buffer) goes with a Content-Length, in one write, as
 * most HTTP clients send it; `chunked` sends it with Transfer-Encoding: chunked
 * instead (Node's default for write() then end()). `readBody: false` drains the
 * answer without decoding it (the load loop needs only the status).
 */
export function request(base, method, path, body, { headers = {}, timeoutMs = 60_000, agent: a = agent, chunked = false, readBody = true } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const framing = payload === undefined || chunked ? {} : { 'content-length': String(Buffer.byteLength(payload)) };
    const req = http.request(`${base}${path}`, { method, agent: a, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...framing, ...headers } }, (res) => {
      const chunks = [];
      if (readBody) res.on('data', (c) => chunks.push(c));
      else res.resume();
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: readBody ? Buffer.concat(chunks).toString() : '', ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    if (payload && chunked) req.write(payload);
    req.end(chunked ? undefined : payload);
  });
}

/** Metric value from the service's /metrics (first sample whose line starts with `name`). */
export async function metric(base, name) {
  const r = await request(base, 'GET', '/metrics');
  const line = r.body.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  return line ? Number(line.split(' ').pop()) : NaN;
}

export function pct(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/**
 * Load for `durationMs`: closed loop with `concurrency` clients, or open loop
 * at `rate` requests per second (at most `maxOutstanding` in flight).
 * `make()` gives [method, path, body]. Returns counts by status, connection errors, latencies.
 */
export async function load(base, make, { durationMs, concurrency, rate, maxOutstanding = 2000, chunked = false }) {
  const stats = { byStatus: {}, errors: 0, errorKinds: {}, lat: {}, sent: 0, skipped: 0, client: {} };
  const end = Date.now() + durationMs;
  // The load generator shares the machine: a saturated client delays its own
  // sends and reads, which shows up as service latency. Measure it.
  const elu0 = performance.eventLoopUtilization();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  // A body string is encoded once, not on every send: a busy client would
  // otherwise spend its own event loop on it and report that as latency.
  const encoded = new Map();
  const bytes = (b) => {
    if (typeof b !== 'string') return b;
    let buf = encoded.get(b);
    if (!buf) {
      if (encoded.size >= 16) encoded.clear(); // bodies that all differ: no point keeping them
      encoded.set(b, (buf = Buffer.from(b)));
    }
    return buf;
  };
  const one = async () => {
    const [m, p, b] = make();
    stats.sent++;
    try {
      const r = await request(base, m, p, bytes(b), { timeoutMs: 30_000, chunked, readBody: false });
      stats.byStatus[r.status] = (stats.byStatus[r.status] ?? 0) + 1;
      (stats.lat[r.status] ??= []).push(r.ms);
      if (r.status === 503 && !r.headers['retry-after']) stats.errorKinds['503 without Retry-After'] = (stats.errorKinds['503 without Retry-After'] ?? 0) + 1;
    } catch (e) {
      stats.errors++;
      stats.errorKinds[e.code ?? e.message] = (stats.errorKinds[e.code ?? e.message] ?? 0) + 1;
    }
  };
  if (concurrency) {
    await Promise.all(Array.from({ length: concurrency }, async () => { while (Date.now() < end) await one(); }));
  } else {
    const inflight = new Set();
    const interval = 1000 / rate;
    let next = performance.now();
    while (Date.now() < end) {
      const now = performance.now();
      while (next <= now) {
        next += interval;
        if (inflight.size >= maxOutstanding) { stats.skipped++; continue; }
        const p = one().finally(() => inflight.delete(p));
        inflight.add(p);
      }
      await sleep(Math.max(0, Math.min(5, next - performance.now())));
    }
    await Promise.all(inflight);
  }
  delay.disable();
  stats.client = { elu: +performance.eventLoopUtilization(elu0).utilization.toFixed(2), delayP99ms: +fmt(delay.percentile(99) / 1e6), delayMaxms: +fmt(delay.max / 1e6) };
  return stats;
}

/** A compute request of moderate, steady cost: an n×n matmul chain with a gradient. */
export function matmulJob(n = 96, depth = 3) {
  const x = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => ((i * 7 + j * 13) % 17) / 17 - 0.5));
  const prog = ['h0 = x'];
  for (let i = 1; i <= depth; i++) prog.push(`h${i} = tanh(h${i - 1} @ w)`);
  prog.push(`loss = h${depth}.sum()`);
  const body = JSON.stringify({ inputs: { x, w: { data: x, requires_grad: true } }, program: prog.join('\n'), outputs: ['loss'] });
  return () => ['POST', '/v1/graph', body];
}

/**
 * A compute request whose cost is in the worker, not in the HTTP layer: the
 * matrices are made in the program (a ~300-byte body) and the answer is two
 * scalars, the loss and the sum of its gradient. Overload is then about the
 * pool's capacity (what MAX_QUEUE sheds), not about moving big JSON bodies.
 */
export function computeJob(n = 128, depth = 3) {
  const prog = [`x = ones(${n}, ${n}) * 0.01`, `w = ones(${n}, ${n}) * 0.02`, 'h0 = x'];
  for (let i = 1; i <= depth; i++) prog.push(`h${i} = tanh(h${i - 1} @ w)`);
  prog.push(`loss = h${depth}.sum()`, 'g = grad(loss, w)', 'gsum = g.sum()');
  const body = JSON.stringify({ program: prog.join('\n'), outputs: ['loss', 'gsum'] });
  return () => ['POST', '/v1/graph', body];
}

export function summary(stats) {
  const ok = stats.lat[200] ?? [];
  return {
    sent: stats.sent,
    byStatus: stats.byStatus,
    connectionErrors: stats.errors,
    errorKinds: stats.errorKinds,
    okP50ms: +fmt(pct(ok, 50)),
    okP99ms: +fmt(pct(ok, 99)),
    okMaxms: +fmt(pct(ok, 100)),
    // Refusals should be quick too: a 503 that took seconds waited somewhere (the accept queue).
    shedP99ms: +fmt(pct(stats.lat[503] ?? [], 99)),
    client: stats.client,
  };
}
