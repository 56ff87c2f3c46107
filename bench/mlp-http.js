// Scenario "mlp-http": the core MLP step over HTTP, the same request to
// gradserve and to the FastAPI + PyTorch peer (bench/peers/torch_server.py):
// batch 256, 784 -> 512 -> 10, relu, cross_entropy on int64 class indices,
// float32, weights stored [in, out]; every input in base64, the answer
// (loss + the 4 gradients) in base64 ("encoding": "base64").
//
// One request at a time, the two targets alternating, REPS each after WARMUP;
// figures are medians of the whole request (body prebuilt, answer received,
// nothing parsed). Before timing, the two answers are compared.
// Env: REPS (default 15), WARMUP (default 3), WORKERS (default 2).
import { fileURLToPath } from 'node:url';
import { HOST, PYTHON, START_ARGS, fmt, freePort, median, postRaw, pythonHas, startService, table } from './lib.js';

export const PROGRAM = 'h = relu(x @ w1 + b1)\no = h @ w2 + b2\nloss = cross_entropy(o, y)';
const [N, IN, HIDDEN, OUT] = [256, 784, 512, 10];
const root = fileURLToPath(new URL('..', import.meta.url));

/** The request body (same generator and init as bench/core.js). */
export function mlpBody() {
  let seed = 42;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const uniform = (n, lo, hi) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());
  const b64 = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  const t = (shape, a, requiresGrad = false, dtype = 'float32') => ({ shape, dtype, base64: b64(a), ...(requiresGrad ? { requires_grad: true } : {}) });
  const k1 = 1 / Math.sqrt(IN);
  const k2 = 1 / Math.sqrt(HIDDEN);
  const y = BigInt64Array.from({ length: N }, () => BigInt(Math.floor(rand() * OUT)));
  return {
    inputs: {
      x: t([N, IN], uniform(N * IN, 0, 1)),
      w1: t([IN, HIDDEN], uniform(IN * HIDDEN, -k1, k1), true),
      b1: t([HIDDEN], uniform(HIDDEN, -k1, k1), true),
      w2: t([HIDDEN, OUT], uniform(HIDDEN * OUT, -k2, k2), true),
      b2: t([OUT], uniform(OUT, -k2, k2), true),
      y: t([N], y, false, 'int64'),
    },
    program: PROGRAM,
    outputs: ['loss'],
    backward: { of: 'loss', wrt: ['w1', 'b1', 'w2', 'b2'] },
    encoding: 'base64',
  };
}

const floats = (b64) => {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/** Largest |a - b| and largest |b| over loss and every gradient of two answers. */
function compare(a, b) {
  let diff = 0;
  let scale = 0;
  const tensors = (r) => [['loss', r.outputs.loss], ...['w1', 'b1', 'w2', 'b2'].map((n) => [n, r.grads?.[n]])];
  const tb = Object.fromEntries(tensors(b));
  for (const [name, ta] of tensors(a)) {
    const xs = floats(ta.base64);
    const ys = floats(tb[name].base64);
    if (xs.length !== ys.length) return { diff: Infinity, scale: 0 };
    for (let i = 0; i < xs.length; i++) {
      diff = Math.max(diff, Math.abs(xs[i] - ys[i]));
      scale = Math.max(scale, Math.abs(ys[i]));
    }
  }
  return { diff, scale };
}

export async function run({ reps = Number(process.env.REPS ?? 15), warmup = Number(process.env.WARMUP ?? 3), workers = Number(process.env.WORKERS ?? 2) } = {}) {
  process.chdir(root);
  const body = Buffer.from(JSON.stringify(mlpBody()));
  const headers = { 'content-type': 'application/json' };
  const notes = [];
  const services = {};
  try {
    const p1 = await freePort();
    services.gradserve = await startService('gradserve', process.execPath, START_ARGS, {
      env: { PORT: String(p1), HOST, WORKERS: String(workers), LOG_LEVEL: 'warn', MAX_EVENT_LOOP_DELAY_MS: '0' },
      port: p1,
    });
    if (pythonHas('fastapi', 'uvicorn', 'torch')) {
      const p2 = await freePort();
      services.torch = await startService('fastapi+torch', PYTHON, ['-m', 'uvicorn', 'torch_server:app', '--app-dir', 'bench/peers', '--host', HOST, '--port', String(p2), '--workers', String(workers), '--log-level', 'warning'], { port: p2 });
    } else notes.push('fastapi+torch peer skipped: /usr/bin/python3 cannot import fastapi, uvicorn and torch (run bench/peers/install.sh)');
    const names = Object.keys(services);
    const url = (n) => services[n].url + '/v1/graph';
    const answers = {};
    for (const n of names) {
      const r = await postRaw(url(n), body, headers);
      if (r.status !== 200) throw new Error(`mlp-http: ${n} answered ${r.status}: ${r.body.toString('utf8', 0, 500)}`);
      answers[n] = JSON.parse(r.body.toString('utf8'));
    }
    if (answers.torch) {
      const { diff, scale } = compare(answers.gradserve, answers.torch);
      notes.push(`max |gradserve - torch| over loss and the 4 gradients: ${diff.toExponential(2)} (largest |value| ${scale.toExponential(2)})`);
    }
    const ms = Object.fromEntries(names.map((n) => [n, []]));
    const jobMs = [];
    for (let i = 0; i < warmup + reps; i++)
      for (const n of names) {
        const r = await postRaw(url(n), body, headers);
        if (r.status !== 200) throw new Error(`mlp-http: ${n} answered ${r.status}`);
        if (i < warmup) continue;
        ms[n].push(r.ms);
        if (n === 'gradserve') jobMs.push(Number(r.headers['x-job-ms']));
      }
    const results = Object.fromEntries(names.map((n) => [n, { ms: median(ms[n]), min: Math.min(...ms[n]) }]));
    results.gradserve.jobMs = median(jobMs);
    const g = results.gradserve.ms;
    const rows = [['target', 'request ms (median)', 'min', 'target / gradserve']];
    for (const n of names) rows.push([n === 'torch' ? 'fastapi+torch (1 thread per worker)' : 'gradserve /v1/graph', fmt(results[n].ms, 1), fmt(results[n].min, 1), fmt(results[n].ms / g, 2)]);
    console.log(`\nmlp-http: ${N}x${IN} -> ${HIDDEN} -> ${OUT} relu, cross_entropy, loss + 4 gradients, base64 both ways (request ${fmt(body.length / 1e6, 1)} MB), one request at a time, median of ${reps} after ${warmup} warm-up, WORKERS=${workers}`);
    console.log(table(rows));
    notes.push(`gradserve's worker time (x-job-ms, engine included): ${fmt(results.gradserve.jobMs, 1)} ms`);
    notes.forEach((s) => console.log('  ' + s));
    return { results, rows, notes, bodyMB: body.length / 1e6 };
  } finally {
    await Promise.all(Object.values(services).map((s) => s.stop()));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
