// `x @ w.T` without copying the transpose (native/ir.cc, deferrable_transposes):
// in a real run, a t/transpose whose every use is an operand of matmul or mm
// becomes a GEMM flag, forward and backward. Each case runs twice and the
// answers must agree: once as written (fused), once with the transpose made
// by hand (`w.T + 0`, which never fuses), values and gradients, float64, on
// the pool and inline. Errors must be the same as without fusion.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { GraphCompiler } from '../../src/ir/graph-cache.js';
import { jobData, programOf } from '../../src/ir/program-ref.js';
import { loadAddon, runControl } from '../../src/native.js';
import { prepared } from '../../src/worker/prepared.js';
import { unpackResult } from '../../src/worker/packed-result.js';
import { close, flat, post, testApp } from '../helpers.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => {
  await app.close();
});

const f64 = (data: unknown, grad = false) => ({ data, dtype: 'float64', ...(grad ? { requires_grad: true } : {}) });
const ramp = (rows: number, cols: number, k: number) => Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => ((i * cols + j) * 0.37 + k) % 2 - 1));

/** Runs body twice (first run: pool and cost check; second: the cached program, inline when tiny) and returns the second answer. */
async function run(body: Record<string, unknown>) {
  const first = await post(app, '/v1/graph', body);
  const second = await post(app, '/v1/graph', body);
  expect(second.status, JSON.stringify(second.body)).toBe(first.status);
  return second;
}

/** The same program with every `.T`/`.mT` made by hand (`(… + 0)`), which keeps it from fusing. */
const unfused = (program: string) => program.replace(/(\w+)\.(T|mT)\b/g, '($1.$2 + 0)');

async function expectSameAsUnfused(body: Record<string, unknown>) {
  const fused = await run(body);
  const plain = await run({ ...body, program: unfused(body.program as string) });
  expect(fused.status, JSON.stringify(fused.body)).toBe(200);
  expect(plain.status, JSON.stringify(plain.body)).toBe(200);
  for (const section of ['outputs', 'grads'] as const) {
    expect(Object.keys(fused.body[section] ?? {})).toEqual(Object.keys(plain.body[section] ?? {}));
    for (const [k, v] of Object.entries(plain.body[section] ?? {})) {
      const got = (fused.body[section] as Record<string, { shape: number[]; data: unknown }>)[k]!;
      expect(got.shape, `${section}.${k}`).toEqual((v as { shape: number[] }).shape);
      if (!close(got.data, (v as { data: unknown }).data, 1e-12, 1e-12)) expect({ [k]: flat(got.data) }).toEqual({ [k]: flat((v as { data: unknown }).data) });
    }
  }
  return fused;
}

describe('transposes fused into matrix products', () => {
  it('x @ w.T + b (a linear layer): values and gradients of x, w and b', async () => {
    const r = await expectSameAsUnfused({
      inputs: { x: f64(ramp(3, 4, 0.1), true), w: f64(ramp(5, 4, 0.2), true), b: f64([0.1, 0.2, 0.3, 0.4, 0.5], true) },
      program: 'y = x @ w.T + b\nloss = (y * y).sum()',
      outputs: ['loss', 'y'],
      backward: { of: 'loss', wrt: ['x', 'w', 'b'] },
    });
    // And against the definition, computed here: dL/dw = 2 * y.T @ x.
    const x = ramp(3, 4, 0.1);
    const w = ramp(5, 4, 0.2);
    const b = [0.1, 0.2, 0.3, 0.4, 0.5];
    const y = x.map((row) => w.map((wr, j) => wr.reduce((s, v, k) => s + v * row[k]!, b[j]!)));
    const gw = w.map((_, j) => x[0]!.map((_, k) => x.reduce((s, row, i) => s + 2 * y[i]![j]! * row[k]!, 0)));
    expect(close(r.body.outputs.y.data, y, 1e-12, 1e-12)).toBe(true);
    expect(close(r.body.grads.w.data, gw, 1e-12, 1e-12)).toBe(true);
  });

  it('the transpose on the left, on both sides, mm, .mT and transpose(-1, -2) of batches', async () => {
    await expectSameAsUnfused({
      inputs: { a: f64(ramp(4, 3, 0.3), true), b: f64(ramp(4, 2, 0.4), true), c: f64(ramp(2, 3, 0.5), true) },
      program: 'p = a.T @ b\nq = mm(a, c.T)\nr = a.T.T @ c.T\nloss = p.sum() + (q * q).sum() + r.sum()',
      outputs: ['loss', 'p', 'q'],
      backward: { of: 'loss', wrt: ['a', 'b', 'c'] },
    });
    await expectSameAsUnfused({
      inputs: { x: f64([ramp(2, 3, 0.1), ramp(2, 3, 0.6)], true), w: f64([ramp(4, 3, 0.2), ramp(4, 3, 0.7)], true) },
      program: 'y = x @ w.mT\nz = torch.transpose(w, -1, -2)\nv = x @ z\nloss = (y * v).sum()',
      backward: { of: 'loss', wrt: ['x', 'w'] },
    });
  });

  it('a named transpose used by two products; one also used elsewhere or returned is made as written', async () => {
    await expectSameAsUnfused({
      inputs: { x: f64(ramp(2, 3, 0.1), true), w: f64(ramp(3, 3, 0.2), true) },
      program: 'wt = w.T\ny = x @ wt\nz = y @ wt\nloss = z.sum()',
      outputs: ['loss', 'z'],
      backward: { of: 'loss', wrt: ['w'] },
    });
    await expectSameAsUnfused({
      inputs: { x: f64(ramp(2, 3, 0.1), true), w: f64(ramp(3, 3, 0.2), true) },
      program: 'wt = w.T\ny = x @ wt + wt.sum()\nloss = y.sum()',
      backward: { of: 'loss', wrt: ['x', 'w'] },
    });
    const r = await expectSameAsUnfused({
      inputs: { x: f64(ramp(2, 3, 0.1)), w: f64(ramp(4, 3, 0.2)) },
      program: 'wt = w.T\ny = x @ wt',
      outputs: ['y', 'wt'],
    });
    expect(r.body.outputs.wt.shape).toEqual([3, 4]);
  });

  it('operands under 2-D fall back to the transpose as written (1-D @ w.T, w.T @ 1-D)', async () => {
    await expectSameAsUnfused({
      inputs: { v: f64([0.5, -1, 2], true), u: f64([1, 2, 3, 4], true), w: f64(ramp(4, 3, 0.2), true) },
      program: 'a = v @ w.T\nb = w.T @ u\nloss = (a * a).sum() + (b * b).sum()',
      backward: { of: 'loss', wrt: ['v', 'u', 'w'] },
    });
  });

  it('second order through a fused product: grad of grad and hvp', async () => {
    await expectSameAsUnfused({
      inputs: { x: f64(ramp(2, 3, 0.1)), w: f64(ramp(3, 3, 0.2), true), v: f64(ramp(3, 3, 0.9)) },
      program: 'y = ((x @ w.T) ** 3).sum()\ng = grad(y, w)\ngg = grad((g * g).sum(), w)\nHv = hvp(y, w, v)',
      outputs: ['g', 'gg', 'Hv', 'y'],
    });
  });

  it('errors are those of the program as written: shapes, dtypes, t() of 3-D', async () => {
    const mismatch = await run({ inputs: { x: f64(ramp(1, 2, 0.1)), w: f64(ramp(2, 3, 0.2)) }, program: 'y = x @ w.T' });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.detail).toMatch(/mat1 and mat2 shapes cannot be multiplied \(1x2 and 3x2\)/);
    const dtypes = await run({ inputs: { x: ramp(2, 2, 0.1), w: f64(ramp(2, 2, 0.2)) }, program: 'y = x @ w.T' });
    expect(dtypes.status).toBe(422);
    expect(dtypes.body.detail).toMatch(/expected m1 and m2 to have the same dtype, but got: float32 != float64/);
    const threeD = await run({ inputs: { x: f64([ramp(2, 2, 0.1)]), w: f64([ramp(2, 2, 0.2)]) }, program: 'y = x @ w.T' });
    expect(threeD.status).toBe(422);
    expect(threeD.body.detail).toMatch(/t\(\) expects a tensor with <= 2 dimensions, but self is 3D/);
    expect(threeD.body.errors?.[0]?.column ?? threeD.body.column).toBeDefined();
    // Odd dims are never converted by the fusion check: the transpose runs as written and refuses them.
    for (const dims of ['1e300, 0', '0.5, 1', 'math.nan, 1', '2, 1']) {
      const odd = await run({ inputs: { x: f64(ramp(2, 2, 0.1)), w: f64(ramp(2, 2, 0.2)) }, program: `y = x @ torch.transpose(w, ${dims})` });
      expect(odd.status, `${dims}: ${JSON.stringify(odd.body)}`).toBe(422);
    }
  });
});

describe('which transposes fuse (the engine directly)', () => {
  const cfg = loadConfig({});
  const addon = loadAddon();
  const limits = { maxBytes: cfg.maxJobBytes, maxFlops: cfg.maxJobFlops, maxOps: cfg.maxJobOps, maxElements: cfg.maxTensorElements };
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  /** Bytes the real run allocated and the dry run (never fused) estimated. */
  function bytes(body: Record<string, unknown>) {
    const g = new GraphCompiler(cfg).compile(body as never);
    const p = prepared(addon, programOf(g)).program;
    const real = unpackResult(addon.runPrepared(p, jobData(g), runControl({ limits, deadlineMs: 10_000, check: true }), cancel) as ArrayBuffer).cost.bytes;
    const dry = (addon.runPrepared(p, jobData(g), runControl({ limits, deadlineMs: 10_000, dryRun: true }), cancel) as { cost: { bytes: number } }).cost.bytes;
    return { real, dry };
  }
  const inputs = { x: f64(ramp(2, 3, 0.1), true), w: f64(ramp(4, 3, 0.2), true) };

  it('x @ w.T allocates no transposed copy of w (forward or backward); the dry run still counts it', () => {
    const { real, dry } = bytes({ inputs, program: 'y = x @ w.T\nloss = y.sum()', outputs: ['loss'], backward: { of: 'loss', wrt: ['x', 'w'] } });
    // The copy of w.T (12 float64) and of its gradient's transpose back (12 more).
    expect(dry - real).toBe(2 * 12 * 8);
  });

  it('a transpose that is returned, or used by anything but a product, is made', () => {
    const inputs = { x: f64(ramp(2, 3, 0.1)), w: f64(ramp(4, 3, 0.2)) };
    const returned = bytes({ inputs, program: 'wt = w.T\ny = x @ wt', outputs: ['y', 'wt'] });
    expect(returned.real).toBe(returned.dry);
    const shared = bytes({ inputs, program: 'wt = w.T\ny = x @ wt + wt.sum()', outputs: ['y'] });
    expect(shared.real).toBe(shared.dry);
  });
});
