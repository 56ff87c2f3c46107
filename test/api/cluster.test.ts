// PROCESSES=2: `node dist/server.js` becomes a node:cluster primary with two
// HTTP processes on one port. Over real sockets: both processes serve, /metrics
// adds them up, a killed process is replaced, SIGTERM drains both and the
// primary exits 0 with no process left behind; processes that cannot start
// make the primary give up (exit 1). The processes' own log lines (pino's
// `pid`) say which process answered; the primary's say which it started.
// No timing assertions: every wait is bounded only to fail instead of hang.
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers.js';

interface LogLine {
  level: number;
  pid: number;
  msg: string;
  process?: number;
  route?: string;
  status?: number;
  [k: string]: unknown;
}

interface Service {
  proc: ChildProcess;
  base: string;
  logs: LogLine[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function start(port: number, env: Record<string, string> = {}): Service {
  // LOG_LEVEL=info: the request lines carry the pid of the process that answered.
  const proc = spawn(process.execPath, ['dist/server.js'], {
    env: { ...process.env, PROCESSES: '2', WORKERS: '1', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const logs: LogLine[] = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    try {
      logs.push(JSON.parse(line) as LogLine);
    } catch {
      // not a log line
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  return { proc, base: `http://127.0.0.1:${port}`, logs, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(50)) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** One request on its own connection (no agent): the primary hands each connection to a process in turn. */
function send(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`${base}${path}`, { method, agent: false, headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** A series' value in Prometheus text (0 when absent). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const GRAPH = { inputs: { x: [1.0], w: { data: [2.0], requires_grad: true } }, program: 'loss = mse_loss(x * w, ones(1))' };
const GRAPH_200 = 'gradserve_http_requests_total{route="/v1/graph",method="POST",status="200"}';

const listeningPids = (svc: Service) => svc.logs.filter((l) => l.msg === 'process listening').map((l) => l.process!);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('PROCESSES=2: a cluster of two HTTP processes', () => {
  let svc: Service;
  let graph200 = 0; // POST /v1/graph answered 200 so far

  beforeAll(async () => {
    svc = start(await freePort());
    await waitFor('both processes listening', () => listeningPids(svc).length >= 2);
    await waitFor('/readyz', async () => (await send(svc.base, 'GET', '/readyz').catch(() => ({ status: 0 }))).status === 200);
  });

  afterAll(async () => {
    if (svc.proc.exitCode === null && svc.proc.signalCode === null) {
      svc.proc.kill('SIGKILL');
      await svc.exited;
    }
    for (const pid of listeningPids(svc)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('answers a graph', async () => {
    const r = await send(svc.base, 'POST', '/v1/graph', GRAPH);
    expect(r.status).toBe(200);
    graph200++;
    expect((JSON.parse(r.body) as { grads: { w: { data: number[] } } }).grads.w.data).toEqual([2]);
  });

  it('stays ready in both processes', async () => {
    // (Each process's accept-queue probe used to connect to the shared port;
    // handed to the other process, it was never seen accepted and /readyz
    // went 503 "accept queue" for good.)
    const seen = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const r = await send(svc.base, 'GET', '/readyz');
      expect(r.status, r.body).toBe(200);
      await sleep(150);
    }
    for (const l of svc.logs) if (l.msg === 'request' && l.route === '/readyz') seen.add(l.pid);
    expect(seen.size).toBe(2);
  });

  it('serves from both processes, and /metrics adds both up on every scrape', async () => {
    const n = 20;
    for (let i = 0; i < n; i++) {
      const r = await send(svc.base, 'POST', '/v1/graph', GRAPH);
      expect(r.status).toBe(200);
      graph200++;
    }
    // Which process answered: the pid of each request line.
    const answered = await waitFor('the request log lines', () => {
      const lines = svc.logs.filter((l) => l.msg === 'request' && l.route === '/v1/graph' && l.status === 200);
      return lines.length >= graph200 && lines;
    });
    const pids = new Set(answered.map((l) => l.pid));
    expect([...pids].sort()).toEqual(listeningPids(svc).sort());
    // A scrape lands on one process and answers for both: the same exact
    // count whichever answers (once the last request's count is in).
    await waitFor('the count of every request', async () => sample((await send(svc.base, 'GET', '/metrics')).body, GRAPH_200) === graph200);
    for (let i = 0; i < 6; i++) {
      const m = await send(svc.base, 'GET', '/metrics');
      expect(m.status).toBe(200);
      expect(sample(m.body, GRAPH_200)).toBe(graph200);
      expect(sample(m.body, 'gradserve_workers')).toBe(2); // 1 worker thread in each process
    }
  });

  it('replaces a process that dies, and keeps answering', async () => {
    const before = listeningPids(svc);
    const victim = before[0]!;
    process.kill(victim, 'SIGKILL');
    await waitFor('the primary to see the exit', () => svc.logs.some((l) => l.msg === 'process exited unexpectedly' && l.process === victim && l.level === 50));
    for (let i = 0; i < 5; i++) expect((await send(svc.base, 'POST', '/v1/graph', GRAPH)).status).toBe(200);
    const replacement = await waitFor('a new process listening', () => listeningPids(svc).find((p) => !before.includes(p)));
    expect(alive(replacement)).toBe(true);
    expect(alive(victim)).toBe(false);
    await waitFor('/metrics from both processes again', async () => {
      const m = await send(svc.base, 'GET', '/metrics');
      return m.status === 200 && sample(m.body, 'gradserve_workers') === 2;
    });
    for (let i = 0; i < 5; i++) expect((await send(svc.base, 'POST', '/v1/graph', GRAPH)).status).toBe(200);
  });

  it('on SIGTERM answers the requests in flight, then the primary exits 0 and no process remains', async () => {
    const heavy = { inputs: {}, program: 'a = ones([2000, 2000]) / 2000\nb = (a @ a).sum()', outputs: ['b'] };
    const JOBS_OK = 'gradserve_jobs_total{kind="graph",outcome="ok"}';
    const jobs = (m: string) => sample(m, JOBS_OK) + sample(m, 'gradserve_workers_busy') + sample(m, 'gradserve_queue_depth');
    const before = jobs((await send(svc.base, 'GET', '/metrics')).body);
    const inflight = Array.from({ length: 4 }, () => send(svc.base, 'POST', '/v1/graph', heavy).catch((e: Error) => ({ status: 0, body: e.message })));
    // SIGTERM once the processes hold the 4 jobs (running, queued or done): a
    // request still in the client or the kernel is not in flight yet. After
    // 10 s, SIGTERM anyway.
    await waitFor('the jobs in the processes', async () => jobs((await send(svc.base, 'GET', '/metrics')).body) - before >= 4, 10_000).catch(() => undefined);
    const pids = listeningPids(svc);
    svc.proc.kill('SIGTERM');
    const results = await Promise.all(inflight);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(await svc.exited).toEqual({ code: 0, signal: null });
    for (const pid of pids) expect(alive(pid), `process ${pid}`).toBe(false);
    expect(svc.logs.filter((l) => l.msg === 'shutting down').length).toBeGreaterThanOrEqual(2);
  });
});

describe('PROCESSES=2 when the processes cannot start', () => {
  let taken: Server;
  afterAll(() => new Promise<void>((r) => taken.close(() => r())));

  it('gives up after repeated early exits and exits 1', async () => {
    taken = createServer();
    const port = await new Promise<number>((r) => taken.listen(0, '127.0.0.1', () => r((taken.address() as { port: number }).port)));
    const svc = start(port, { LOG_LEVEL: 'warn' });
    const exit = await Promise.race([svc.exited, sleep(90_000).then(() => 'still running')]);
    if (exit === 'still running') svc.proc.kill('SIGKILL');
    expect(exit).toEqual({ code: 1, signal: null });
    expect(svc.logs.some((l) => l.level === 60 && /giving up/.test(l.msg))).toBe(true);
    const started = svc.logs.filter((l) => l.msg === 'process exited unexpectedly').map((l) => l.process!);
    expect(started.length).toBeGreaterThanOrEqual(2);
    for (const pid of started) expect(alive(pid)).toBe(false);
  }, 120_000);
});
