// Scenario "graph-222": POST /v1/graph with the 2-2-2 sigmoid network (values
// and 4 gradients) under autocannon, against two peers in the same run:
//   - echo: a bare fastify route echoing the same JSON body (the ceiling),
//   - torch: FastAPI + PyTorch (bench/peers/torch_server.py), when installed,
//   - tfjs: fastify + @tensorflow/tfjs CPU backend in-process
//     (bench/peers/tfjs/server.js), when bench/peers/tfjs/node_modules exists.
// All targets listen at once on 127.0.0.1 and are loaded in turn (interleaved rounds).
// Env: DURATION (s per target, default 10), ROUNDS (default 3), CONNECTIONS
// (default 50), WORKERS (default 2: processes of each target but the echo),
// GS_THREADS (worker threads per gradserve process, default 1), LAT_DURATION (s at 1 connection per
// target for the latency alone, default 3; 0 skips).
import { fileURLToPath } from 'node:url';
import { HOST, PYTHON, START_ARGS, fmt, freePort, load, median, pythonHas, startService, table, tfjsInstalled } from './lib.js';

// The README's 2-2-2 network: values and the four gradients.
export const PROGRAM = 'h = sigmoid(x @ w1.T + b1)\no = sigmoid(h @ w2.T + b2)\nloss = mse_loss(o, t)';

const param = (data) => ({ data, requires_grad: true });

export const BODY = JSON.stringify({
  inputs: {
    x: [[0.05, 0.1]],
    w1: param([[0.15, 0.2], [0.25, 0.3]]),
    b1: param([0.35, 0.35]),
    w2: param([[0.4, 0.45], [0.5, 0.55]]),
    b2: param([0.6, 0.6]),
    t: [[0.01, 0.99]],
  },
  program: PROGRAM,
  outputs: ['loss', 'o', 'h'],
  backward: { of: 'loss', wrt: ['w1', 'b1', 'w2', 'b2'] },
});

const root = fileURLToPath(new URL('..', import.meta.url));

/** Worker threads per gradserve process (GS_THREADS, default 1). */
const GS_THREADS = Number(process.env.GS_THREADS ?? 1);

const TARGETS = {
  // PROCESSES HTTP processes (node:cluster, src/cluster.ts) with WORKERS
  // worker threads each: like the peers' WORKERS processes. The 2-2-2 net is
  // tiny, so each process computes it on its main thread (INLINE_MAX_FLOPS)
  // and its one worker thread stays for larger jobs.
  gradserve: (port, workers) =>
    startService('gradserve', process.execPath, START_ARGS, {
      env: { PORT: String(port), HOST, PROCESSES: String(workers), WORKERS: String(GS_THREADS), LOG_LEVEL: 'warn' },
      port,
    }).then((s) => ({ ...s, path: '/v1/graph' })),
  echo: (port) =>
    startService('echo', process.execPath, ['bench/peers/echo.js'], { env: { PORT: String(port), HOST, WORKERS: '1' }, port }).then((s) => ({ ...s, path: '/echo' })),
  // The same echo in WORKERS processes: shows whether one process was the ceiling's limit.
  echo2: (port, workers) =>
    startService('echo', process.execPath, ['bench/peers/echo.js'], { env: { PORT: String(port), HOST, WORKERS: String(workers) }, port }).then((s) => ({ ...s, path: '/echo' })),
  // uvicorn's --workers = WORKERS processes, one torch thread each.
  torch: (port, workers) =>
    startService(
      'fastapi+torch',
      PYTHON,
      ['-m', 'uvicorn', 'torch_server:app', '--app-dir', 'bench/peers', '--host', HOST, '--port', String(port), '--workers', String(workers), '--log-level', 'warning'],
      { port },
    ).then((s) => ({ ...s, path: '/v1/graph' })),
  // node:cluster with WORKERS processes sharing the port, like uvicorn --workers.
  tfjs: (port, workers) =>
    startService('fastify+tfjs', process.execPath, ['bench/peers/tfjs/server.js'], {
      env: { PORT: String(port), HOST, WORKERS: String(workers) },
      port,
    }).then((s) => ({ ...s, path: '/v1/graph' })),
};

export const LABELS = {
  gradserve: 'gradserve /v1/graph',
  echo: 'fastify echo (ceiling)',
  echo2: 'fastify echo, WORKERS processes',
  torch: 'fastapi+torch',
  tfjs: 'fastify+tfjs (cpu backend)',
};

async function post(url) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
  return { status: r.status, body: await r.json() };
}

/** Runs the scenario; returns {rows, notes} and prints a table. */
export async function run({ duration = Number(process.env.DURATION ?? 10), connections = Number(process.env.CONNECTIONS ?? 50), workers = Number(process.env.WORKERS ?? 2), rounds = Number(process.env.ROUNDS ?? 3), latDuration = Number(process.env.LAT_DURATION ?? 3) } = {}) {
  process.chdir(root);
  const names = ['gradserve', 'echo', 'echo2'];
  const notes = [`program: ${JSON.stringify(PROGRAM)}`];
  if (pythonHas('fastapi', 'uvicorn', 'torch')) names.push('torch');
  else notes.push('fastapi+torch peer skipped: /usr/bin/python3 cannot import fastapi, uvicorn and torch (run bench/peers/install.sh)');
  if (tfjsInstalled()) names.push('tfjs');
  else notes.push('fastify+tfjs peer skipped: bench/peers/tfjs/node_modules is missing (npm ci --prefix bench/peers/tfjs)');

  // All targets listen at once (idle ones cost nothing) and are loaded in turn,
  // ROUNDS times each for duration/ROUNDS seconds, so a change in the shared
  // machine's background load hits every target alike.
  const services = {};
  const answers = {};
  const segments = Object.fromEntries(names.map((n) => [n, []]));
  const single = {};
  try {
    for (const name of names) services[name] = await TARGETS[name](await freePort(), workers);
    for (const name of names) {
      const url = services[name].url + services[name].path;
      const first = await post(url);
      if (first.status !== 200) throw new Error(`${name} answered ${first.status} to the bench request: ${JSON.stringify(first.body)}`);
      answers[name] = first.body;
      await load(url, BODY, { connections, duration: 1 }); // warm-up (JIT, pools)
    }
    for (let round = 0; round < rounds; round++)
      for (const name of names) {
        segments[name].push(await load(services[name].url + services[name].path, BODY, { connections, duration: duration / rounds }));
        // A target that died (crash, OOM killer, a signal from outside) makes every
        // later request fail at once: say so instead of printing its error count.
        const died = services[name].died();
        if (died) throw new Error(`graph-222: ${died}; its figures would be meaningless`);
      }
    // Latency alone: one connection (a client waiting for each answer), no queueing.
    if (latDuration > 0)
      for (const name of names) {
        single[name] = await load(services[name].url + services[name].path, BODY, { connections: 1, duration: latDuration });
        const died = services[name].died();
        if (died) throw new Error(`graph-222: ${died}; its figures would be meaningless`);
      }
  } finally {
    await Promise.all(Object.values(services).map((s) => s.stop()));
  }
  const results = Object.fromEntries(names.map((n) => [n, { ...combine(segments[n], duration), ...(single[n] ? { p50at1: single[n].p50, p99at1: single[n].p99, rpsAt1: single[n].rps } : {}) }]));
  for (const peer of ['torch', 'tfjs'])
    if (answers[peer]) notes.push(`max |gradserve - ${LABELS[peer]}| over every value and gradient: ${maxDiff(answers.gradserve, answers[peer]).toExponential(2)}`);

  const g = results.gradserve;
  const rows = [['target', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'gradserve / target', '1 connection: p50 / p99 ms']];
  for (const [name, r] of Object.entries(results))
    rows.push([LABELS[name], fmt(r.rps, 0), fmt(r.p50, 1), fmt(r.p99, 1), r.errors, r.non2xx, fmt(g.rps / r.rps, 2), r.p99at1 === undefined ? '-' : `${fmt(r.p50at1, 1)} / ${fmt(r.p99at1, 1)}`]);
  console.log(`\ngraph-222: ${connections} connections, ${duration} s per target in ${rounds} interleaved rounds, WORKERS=${workers} (gradserve, uvicorn and tfjs processes; gradserve with ${GS_THREADS} worker thread${GS_THREADS === 1 ? '' : 's'} each)`);
  console.log(table(rows));
  notes.forEach((n) => console.log('  ' + n));
  return { rows, notes, results, config: { connections, duration, rounds, workers } };
}

// req/s over the whole time; p50/p99: the median of the rounds' values.
function combine(segs, duration) {
  const mid = (k) => median(segs.map((s) => s[k]));
  const sum = (k) => segs.reduce((acc, s) => acc + s[k], 0);
  return { rps: sum('total') / duration, p50: mid('p50'), p99: mid('p99'), errors: sum('errors'), non2xx: sum('non2xx') };
}

function maxDiff(a, b) {
  const flat = (x) => (Array.isArray(x) ? x.flatMap(flat) : typeof x === 'number' ? [x] : []);
  let m = 0;
  for (const section of ['outputs', 'grads'])
    for (const [k, v] of Object.entries(a[section] ?? {})) {
      const xs = flat(v.data);
      const ys = flat(b[section]?.[k]?.data);
      if (xs.length !== ys.length) return Infinity;
      xs.forEach((x, i) => (m = Math.max(m, Math.abs(x - ys[i]))));
    }
  return m;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
