// Scenario "core": the engine through the addon directly (no HTTP, no worker).
//   - MLP: batch 256, 784 -> 512 -> 10, relu, cross_entropy on int64 class
//     indices, float32; forward + backward of both weights and biases;
//     median ms over ITERS runs after warm-up, OpenBLAS on and off (the two
//     modes alternate run by run).
//   - GEMM: one 512x512x512 float32 matmul node, GFLOP/s (2*M*N*K / median),
//     with OpenBLAS and with the built-in kernel, against OpenBLAS's own
//     sgemm called directly (numpy in the PyTorch child, same library).
//   - Dispatch: a chain of 1000 `add` nodes on 1-element tensors through
//     addon.run, microseconds per op (whole run / 1000) and the marginal cost
//     of an op ((run of 2000 - run of 1000) / 1000); and gs::execute alone on
//     the same chain, built in C++ against build/'s objects (needs g++).
// run() returns {rows, results: {label: {mlpMs, gemmGflops, gemmEngineGflops?}},
// openblas: {gemmGflops, source}, dispatch: {ops, usPerOp, marginalUsPerOp,
// preparedUsPerOp?, preparedMarginalUsPerOp?, engineUsPerOp}, ratios: {builtinGemmVsOpenblas, linkedGemmVsOpenblas,
// builtinEngineGemmVsOpenblas, linkedEngineGemmVsOpenblas, mlpVsTorch1,
// builtinMlpVsTorch1}}.
// Weights are stored [in, out] (y = x @ w + b): the engine has no transpose op
// yet; core_torch.py uses the same layout. When /usr/bin/python3 has torch,
// it runs core_torch.py (1 thread, then default threads) and prints both.
// Env: ITERS (default 30), WARMUP (default 5), PASSES (default 2).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PYTHON, fmt, median, pythonHas, table } from './lib.js';

import { configureBlasEnv } from '../dist/blas-env.js';
import { runControl } from '../dist/native.js';

// The same OpenBLAS kernels for us and for the PyTorch child (same library).
configureBlasEnv(process.env);
const require = createRequire(import.meta.url);
const addon = require('../build/Release/gradserve.node');

const ITERS = Number(process.env.ITERS ?? 30);
const WARMUP = Number(process.env.WARMUP ?? 5);
const [N, IN, HIDDEN, OUT] = [256, 784, 512, 10];

// A small deterministic generator: uniform in [lo, hi).
let seed = 42;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const uniform = (n, lo, hi) => Float32Array.from({ length: n }, () => lo + (hi - lo) * rand());

const f32 = (shape, data, requiresGrad = false) => ({ dtype: 'float32', shape, data, requiresGrad });
// Args are positional and complete, defaults included (see addon.listOps()).
const t = (slot) => ({ t: slot });

/** The MLP job. Slots: 0 x, 1 w1, 2 b1, 3 w2, 4 b2, 5 target, then nodes. */
export function mlpJob(useCrossEntropy = addon.listOps().some((o) => o.schema.startsWith('cross_entropy('))) {
  seed = 42;
  const b1 = 1 / Math.sqrt(IN);
  const b2 = 1 / Math.sqrt(HIDDEN);
  const target = BigInt64Array.from({ length: N }, () => BigInt(Math.floor(rand() * OUT)));
  const inputs = [
    f32([N, IN], uniform(N * IN, 0, 1)),
    f32([IN, HIDDEN], uniform(IN * HIDDEN, -b1, b1), true),
    f32([HIDDEN], uniform(HIDDEN, -b1, b1), true),
    f32([HIDDEN, OUT], uniform(HIDDEN * OUT, -b2, b2), true),
    f32([OUT], uniform(OUT, -b2, b2), true),
    { dtype: 'int64', shape: [N], data: target, requiresGrad: false },
  ];
  const nodes = [
    { op: 'matmul', args: [t(0), t(1)] }, // 6
    { op: 'add', args: [t(6), t(2), 1] }, // 7
    { op: 'relu', args: [t(7)] }, // 8
    { op: 'matmul', args: [t(8), t(3)] }, // 9
    { op: 'add', args: [t(9), t(4), 1] }, // 10 logits
  ];
  if (useCrossEntropy) {
    nodes.push({ op: 'cross_entropy', args: [t(10), t(5), null, -100, 'mean', 0] }); // 11
  } else {
    // -(log_softmax(o, 1) * onehot).sum() / N, the same loss.
    const onehot = new Float32Array(N * OUT);
    target.forEach((c, i) => (onehot[i * OUT + Number(c)] = 1));
    inputs.push(f32([N, OUT], onehot), { ...f32([], Float32Array.of(N)), wrapped: true }); // slots 6, 7 shift nodes by 2
    const s = (k) => k + 2; // node slots after the two extra inputs
    nodes.forEach((n) => (n.args = n.args.map((a) => (typeof a === 'object' && a.t >= 6 ? t(s(a.t)) : a))));
    nodes.push(
      { op: 'log_softmax', args: [t(s(10)), 1, null] }, // 13
      { op: 'mul', args: [t(13), t(6)] }, // 14
      { op: 'sum', args: [t(14), null, false] }, // 15
      { op: 'neg', args: [t(15)] }, // 16
      { op: 'div', args: [t(16), t(7), null] }, // 17
    );
  }
  const loss = inputs.length + nodes.length - 1;
  return { meta: false, inputs, nodes, outputs: [loss], backward: { of: loss, wrt: [1, 2, 3, 4] }, useCrossEntropy };
}

// `reps` matmul nodes on the same inputs (only the last returned): the
// difference between reps = 1 and reps = 5 is the engine's own cost of a
// matmul node (GEMM and output allocation), without input/output marshalling.
function gemmJob(n = 512, reps = 1) {
  const nodes = Array.from({ length: reps }, () => ({ op: 'matmul', args: [t(0), t(1)] }));
  return { meta: false, inputs: [f32([n, n], uniform(n * n, -1, 1)), f32([n, n], uniform(n * n, -1, 1))], nodes, outputs: [1 + reps] };
}

/** A chain of n `add` nodes on 1-element float32 tensors: x + y + y + ... */
export function addChainJob(n) {
  const nodes = [];
  for (let i = 0; i < n; i++) nodes.push({ op: 'add', args: [t(i === 0 ? 0 : 1 + i), t(1), 1] });
  return { meta: false, inputs: [f32([1], Float32Array.of(1)), f32([1], Float32Array.of(0.5))], nodes, outputs: [1 + n] };
}

// Median ms of a() and of b(), timed alternately so both see the same load.
function medianPair(a, b, iters) {
  const ta = [];
  const tb = [];
  for (let i = 0; i < 10; i++) a(), b();
  for (let i = 0; i < iters; i++) {
    let t0 = performance.now();
    a();
    ta.push(performance.now() - t0);
    t0 = performance.now();
    b();
    tb.push(performance.now() - t0);
  }
  return [median(ta), median(tb)];
}

/**
 * Per-op cost of the run path on tiny tensors, in microseconds: through
 * addon.run (the op list converted from JS every call) and, when the addon has
 * them, through prepare/runPrepared (the service's hot path: the IR is read
 * once, each run brings only the input data).
 */
export function measureDispatch(ops = 1000, mod = addon) {
  const one = addChainJob(ops);
  const two = addChainJob(2 * ops);
  const iters = Math.max(ITERS, 30);
  const [ms1, ms2] = medianPair(() => mod.run(one), () => mod.run(two), iters);
  const out = { ops, usPerOp: (ms1 * 1000) / ops, marginalUsPerOp: (Math.max(0, ms2 - ms1) * 1000) / ops };
  if (typeof mod.prepare === 'function' && typeof mod.runPrepared === 'function') {
    const shapeOnly = (job) => ({ ...job, inputs: job.inputs.map(({ data, ...rest }) => rest) });
    const h1 = mod.prepare(shapeOnly(one));
    const h2 = mod.prepare(shapeOnly(two));
    const data = () => [Float32Array.of(1), Float32Array.of(0.5)];
    const [p1, p2] = medianPair(() => mod.runPrepared(h1, data(), runControl({})), () => mod.runPrepared(h2, data(), runControl({})), iters);
    out.preparedUsPerOp = (p1 * 1000) / ops;
    out.preparedMarginalUsPerOp = (Math.max(0, p2 - p1) * 1000) / ops;
  }
  return out;
}

// The engine alone (gs::execute on a prepared IR, no JS conversion): the same
// chain, built in C++ and linked against the addon's object files.
const ENGINE_DISPATCH_CC = `
#include "ir.h"
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
using namespace gs;
int main(int argc, char** argv) {
  const int n = std::atoi(argv[1]), runs = std::atoi(argv[2]);
  IRProgram p;
  p.num_inputs = 2;
  for (int i = 0; i < n; ++i) {
    IRNode node;
    node.op = find_op("add");
    Value a, b, alpha;
    a.kind = b.kind = Value::Kind::Tensor;
    a.slot = i == 0 ? 0 : 1 + i;
    b.slot = 1;
    alpha.kind = Value::Kind::Number;
    alpha.number = 1;
    node.args = {a, b, alpha};
    p.nodes.push_back(node);
  }
  std::vector<double> us;
  for (int r = 0; r < runs; ++r) {
    std::vector<Tensor> in{Tensor::full({1}, DType::Float32, 1.0), Tensor::full({1}, DType::Float32, 0.5)};
    auto t0 = std::chrono::steady_clock::now();
    RunResult res = execute(p, in, RunOptions{});
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  std::printf("%.6f\\n", us[us.size() / 2] / n);
}
`;

/** gs::execute's cost per op on the add chain, or {skipped} (needs g++ and build/ objects). */
export function measureEngineDispatch(ops = 1000) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const objDir = join(root, 'build', 'Release', 'obj.target', 'gradserve', 'native');
  if (!existsSync(objDir)) return { skipped: 'no build/Release/obj.target (build with node-gyp first)' };
  const objs = [];
  for (const sub of ['', 'ops', 'optim']) {
    const d = join(objDir, sub);
    if (existsSync(d)) for (const f of readdirSync(d)) if (f.endsWith('.o')) objs.push(join(d, f));
  }
  const dir = mkdtempSync(join(tmpdir(), 'gs-dispatch-'));
  try {
    writeFileSync(join(dir, 'main.cc'), ENGINE_DISPATCH_CC);
    const exe = join(dir, 'dispatch');
    const libs = addon.blasInfo().available ? ['-lopenblas'] : [];
    const cc = spawnSync('g++', ['-O2', '-std=c++17', '-I', join(root, 'native'), join(dir, 'main.cc'), ...objs, '-o', exe, ...libs, '-pthread'], { encoding: 'utf8' });
    if (cc.status !== 0) return { skipped: `g++ failed: ${(cc.stderr || cc.error?.message || '').trim().split('\n').pop()}` };
    const r = spawnSync(exe, [String(ops), '200'], { encoding: 'utf8', env: process.env });
    if (r.status !== 0) return { skipped: `dispatch harness failed: ${r.stderr.trim().split('\n').pop()}` };
    return { usPerOp: Number(r.stdout.trim()) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// A job on the service's path: the program prepared once (addon.prepare), each
// run handing over only the input data (addon.runPrepared), as a worker does.
const RUN_CONTROL = runControl({ limits: { maxBytes: 1e15, maxFlops: 1e18, maxOps: 1e9, maxElements: 1e12 } });
function preparedRun(job) {
  const program = addon.prepare({ ...job, inputs: job.inputs.map(({ data: _data, ...meta }) => meta) });
  const data = job.inputs.map((i) => i.data);
  return () => addon.runPrepared(program, data, RUN_CONTROL);
}

// Median ms of one run of `job` (the service's path, see preparedRun) in each
// BLAS mode, the modes alternating run by run so they share the machine's
// load (and warm-up) alike.
function timeModesMs(job, modes, iters = ITERS, warmup = WARMUP) {
  const run = preparedRun(job);
  const ms = modes.map(() => []);
  for (let i = 0; i < warmup; i++)
    for (const [, on] of modes) {
      addon.setBlas(on);
      run();
    }
  for (let i = 0; i < iters; i++)
    modes.forEach(([, on], m) => {
      addon.setBlas(on);
      const t0 = performance.now();
      run();
      ms[m].push(performance.now() - t0);
    });
  return ms.map(median);
}

/**
 * Our figures: {label: {mlpMs, gemmGflops, gemmEngineGflops}} for OpenBLAS on
 * (if built in) and off. gemmGflops is one run of one matmul node on the
 * service's path (input copy and packed answer included); gemmEngineGflops the
 * marginal matmul node.
 */
export function measureOurs() {
  const mlp = mlpJob();
  const gemm = gemmJob();
  const gemm5 = gemmJob(512, 5);
  const out = {};
  const modes = addon.blasInfo().available ? [['gradserve, OpenBLAS (1 thread)', true], ['gradserve, built-in GEMM', false]] : [['gradserve, built-in GEMM (no OpenBLAS in this build)', false]];
  const flop = 2 * 512 ** 3;
  const ms1 = timeModesMs(gemm, modes);
  const ms5 = timeModesMs(gemm5, modes);
  const mlpMs = timeModesMs(mlp, modes);
  modes.forEach(([label], m) => {
    out[label] = { mlpMs: mlpMs[m], gemmGflops: flop / (ms1[m] * 1e6), gemmEngineGflops: ms5[m] > ms1[m] ? (4 * flop) / ((ms5[m] - ms1[m]) * 1e6) : NaN };
  });
  addon.setBlas(true);
  return { results: out, loss: mlp.useCrossEntropy ? 'cross_entropy' : 'log_softmax * onehot (cross_entropy not registered)' };
}

/** PyTorch's figures from core_torch.py, or a reason why there are none. */
export function measureTorch() {
  if (!pythonHas('torch')) return { skipped: '/usr/bin/python3 has no torch (run bench/peers/install.sh)' };
  const script = fileURLToPath(new URL('core_torch.py', import.meta.url));
  const r = spawnSync(PYTHON, [script, '--json'], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, ITERS: String(ITERS), WARMUP: String(WARMUP) } });
  if (r.status !== 0) return { skipped: `core_torch.py failed (${r.error?.message ?? 'exit ' + r.status}): ${r.stderr.trim().split('\n').pop()}` };
  const out = JSON.parse(r.stdout);
  return { results: out.results, openblas: out.openblas ?? undefined };
}

// Ours and PyTorch alternate PASSES times; each label keeps its best pass (the
// shared machine only ever adds time), so both sides get the same chances.
function best(a = {}, b = {}) {
  const out = { ...a };
  for (const [k, r] of Object.entries(b))
    out[k] = out[k]
      ? {
          ...out[k],
          mlpMs: Math.min(out[k].mlpMs, r.mlpMs),
          gemmGflops: Math.max(out[k].gemmGflops, r.gemmGflops),
          ...(r.gemmEngineGflops !== undefined ? { gemmEngineGflops: Math.max(out[k].gemmEngineGflops || 0, r.gemmEngineGflops || 0) || NaN } : {}),
        }
      : r;
  return out;
}

export async function run({ passes = Number(process.env.PASSES ?? 2) } = {}) {
  let ours;
  let torch;
  let all = {};
  let openblas;
  let dispatch;
  let engine;
  for (let i = 0; i < passes; i++) {
    ours = measureOurs();
    const d = measureDispatch();
    if (!dispatch || d.usPerOp < dispatch.usPerOp) dispatch = d;
    const e = measureEngineDispatch();
    if (!engine || (e.usPerOp !== undefined && !(engine.usPerOp <= e.usPerOp))) engine = e;
    torch = measureTorch();
    all = best(all, { ...ours.results, ...(torch.results ?? {}) });
    if (torch.openblas && (!openblas || torch.openblas.gemmGflops > openblas.gemmGflops)) openblas = torch.openblas;
  }
  const torch1 = Object.entries(all).find(([k]) => k.includes('torch') && k.includes('1 thread'))?.[1];
  const rows = [['engine', 'MLP fwd+bwd ms', 'MLP ms / torch 1 thread', 'GEMM 512^3 GFLOP/s (run)', 'GEMM (engine)', 'run / OpenBLAS direct', 'engine / OpenBLAS direct']];
  const vsBlas = (g) => (openblas && Number.isFinite(g) ? fmt(g / openblas.gemmGflops, 2) : '-');
  for (const [label, r] of Object.entries(all))
    rows.push([label, fmt(r.mlpMs, 2), torch1 ? fmt(r.mlpMs / torch1.mlpMs, 2) : '-', fmt(r.gemmGflops, 1), fmt(r.gemmEngineGflops, 1), vsBlas(r.gemmGflops), vsBlas(r.gemmEngineGflops)]);
  if (openblas) rows.push([`OpenBLAS sgemm direct: ${openblas.source}`, '-', '-', fmt(openblas.gemmGflops, 1), '-', '1.00', '-']);
  console.log(`\ncore: MLP ${N}x${IN}->${HIDDEN}->${OUT} relu, ${ours.loss}, float32, median of ${ITERS} after ${WARMUP} warm-up, best of ${passes} alternating passes`);
  console.log(table(rows));
  console.log(
    `dispatch: ${fmt(dispatch.usPerOp, 2)} us/op through addon.run (chain of ${dispatch.ops} add on 1-element tensors, whole run / ops), ` +
      `${fmt(dispatch.marginalUsPerOp, 2)} us/op marginal ((run of ${2 * dispatch.ops} - run of ${dispatch.ops}) / ${dispatch.ops})`,
  );
  if (dispatch.preparedUsPerOp !== undefined)
    console.log(`dispatch through prepare/runPrepared (the service's path): ${fmt(dispatch.preparedUsPerOp, 2)} us/op, ${fmt(dispatch.preparedMarginalUsPerOp, 2)} us/op marginal`);
  if (engine.usPerOp !== undefined) console.log(`dispatch, engine alone: ${fmt(engine.usPerOp, 2)} us/op (gs::execute on the same chain built in C++; the rest of the figure above is the addon's JS conversion)`);
  else console.log('  engine-alone dispatch skipped: ' + engine.skipped);
  dispatch.engineUsPerOp = engine.usPerOp;
  if (torch.skipped) console.log('  PyTorch skipped: ' + torch.skipped);
  else if (!openblas) console.log('  OpenBLAS direct skipped: /usr/bin/python3 has no numpy');
  const linked = Object.entries(all).find(([k]) => k.includes('gradserve') && k.includes('OpenBLAS'))?.[1];
  const builtin = Object.entries(all).find(([k]) => k.includes('gradserve') && k.includes('built-in'))?.[1];
  const ratios = {
    builtinGemmVsOpenblas: builtin && openblas ? builtin.gemmGflops / openblas.gemmGflops : undefined,
    linkedGemmVsOpenblas: linked && openblas ? linked.gemmGflops / openblas.gemmGflops : undefined,
    builtinEngineGemmVsOpenblas: builtin && openblas ? builtin.gemmEngineGflops / openblas.gemmGflops : undefined,
    linkedEngineGemmVsOpenblas: linked && openblas ? linked.gemmEngineGflops / openblas.gemmGflops : undefined,
    mlpVsTorch1: linked && torch1 ? linked.mlpMs / torch1.mlpMs : undefined,
    builtinMlpVsTorch1: builtin && torch1 ? builtin.mlpMs / torch1.mlpMs : undefined,
  };
  return { rows, results: all, openblas, dispatch, ratios };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
