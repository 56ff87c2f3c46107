// The engine's run of the 2-2-2 net alone, as the service's inline path makes
// it (compiled once, then runGraphJob in a loop on the same packed data): CPU
// µs per run, ROUNDS rounds of N runs (median and spread). Under callgrind it
// gives the deterministic figure bench/README.md quotes (instructions per run):
//   OPENBLAS_CORETYPE=Haswell N=2000 ROUNDS=1 valgrind --tool=callgrind \
//     --toggle-collect='*RunPrepared*' node bench/engine-222.js
// then the total Ir of callgrind.out.* divided by N (valgrind does not decode
// AVX-512, hence the core type). Env: N (runs per round, default 100000),
// ROUNDS (default 5). Needs `npm run build`.
import { loadConfig } from '../dist/config.js';
import { GraphCompiler } from '../dist/ir/graph-cache.js';
import { jobData, programOf } from '../dist/ir/program-ref.js';
import { loadAddon } from '../dist/native.js';
import { runGraphJob } from '../dist/worker/graph-job.js';
import { unpackResult } from '../dist/worker/packed-result.js';

// The bench/graph-222.js request (not imported: that module loads autocannon).
const param = (data) => ({ data, requires_grad: true });
const BODY = {
  inputs: { x: [[0.05, 0.1]], w1: param([[0.15, 0.2], [0.25, 0.3]]), b1: param([0.35, 0.35]), w2: param([[0.4, 0.45], [0.5, 0.55]]), b2: param([0.6, 0.6]), t: [[0.01, 0.99]] },
  program: 'h = sigmoid(x @ w1.T + b1)\no = sigmoid(h @ w2.T + b2)\nloss = mse_loss(o, t)',
  outputs: ['loss', 'o', 'h'],
  backward: { of: 'loss', wrt: ['w1', 'b1', 'w2', 'b2'] },
};

const N = Number(process.env.N ?? 100_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const cfg = loadConfig(process.env, {});
const addon = loadAddon();
const graph = new GraphCompiler(cfg).compile(BODY);
const job = {
  kind: 'graph',
  dryRun: false,
  program: programOf(graph),
  data: jobData(graph),
  limits: { maxBytes: cfg.maxJobBytes, maxFlops: cfg.maxJobFlops, maxOps: cfg.maxJobOps, maxElements: cfg.maxTensorElements },
  cancelSlot: -1,
  deadlineAt: Date.now() + 3_600_000,
};
const cancel = new Int32Array(new SharedArrayBuffer(4));
const first = runGraphJob(addon, job, cancel, performance.now()).outcome;
if (!first.ok) throw new Error(`the 2-2-2 run failed: ${JSON.stringify(first.error)}`);
const ops = unpackResult(first.result).cost.ops;

const perRun = [];
for (let r = 0; r < ROUNDS; r++) {
  const t = process.cpuUsage();
  for (let i = 0; i < N; i++) runGraphJob(addon, job, cancel, 0);
  const u = process.cpuUsage(t);
  perRun.push((u.user + u.system) / N);
}
perRun.sort((a, b) => a - b);
console.log(
  `engine run of the 2-2-2 net (${ops} ops, values + 4 gradients): ${perRun[perRun.length >> 1].toFixed(2)} µs of CPU per run ` +
    `(median of ${ROUNDS} rounds of ${N}; ${perRun[0].toFixed(2)}–${perRun[perRun.length - 1].toFixed(2)})`,
);
