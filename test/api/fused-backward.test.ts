// Fused kernels (native/ops/activation.cc fused_backward, loss.cc mse_reduced):
// sigmoid's and tanh's first-order backward and mse_loss (mean, sum) forward
// and backward each run as one kernel. They must give the same bits as the
// formulas they replace, written here as ordinary ops in the program, and
// still differentiate again (create_graph: grad() inside a program).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, post, testApp } from '../helpers.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => {
  await app.close();
});

/** Deterministic values in [-3, 3) with many bits (not round numbers). */
function values(n: number, seed: number): number[] {
  let a = seed >>> 0;
  return Array.from({ length: n }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return (a / 2 ** 32) * 6 - 3;
  });
}

async function run(body: object) {
  const r = await post(app, '/v1/graph', body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

describe.each(['float32', 'float64'] as const)('%s', (dtype) => {
  const x = { data: [values(3, 1), values(3, 2)], dtype, requires_grad: true };
  const w = { data: [values(3, 3), values(3, 4)], dtype };

  it.each([
    ['sigmoid', 'y * (1 - y)'],
    ['tanh', '1 - y * y'],
  ])('%s backward: the bits of g * (its derivative formula), first order and under create_graph', async (act, derivative) => {
    const fused = await run({ inputs: { x, w }, program: `y = ${act}(x)\nz = (y * w).sum()`, outputs: ['z'], backward: { of: 'z', wrt: ['x'] } });
    const formula = await run({ inputs: { x: { ...x, requires_grad: false }, w }, program: `y = ${act}(x)\ngx = w * (${derivative})`, outputs: ['gx'] });
    expect(fused.grads.x.data).toEqual(formula.outputs.gx.data);
    // grad() inside the program keeps the graph (the formula's ops), and differentiates again.
    const again = await run({ inputs: { x, w }, program: `y = ${act}(x)\nz = (y * w).sum()\ngx = grad(z, x)\nh = grad(gx.sum(), x)`, outputs: ['gx', 'h'], backward: { of: 'z', wrt: ['x'] } });
    expect(again.outputs.gx.data).toEqual(formula.outputs.gx.data);
    const h = await run({ inputs: { x: { ...x, requires_grad: false }, w }, program: `y = ${act}(x)\nh = w * ${act === 'sigmoid' ? 'y * (1 - y) * (1 - 2 * y)' : '-2 * y * (1 - y * y)'}`, outputs: ['h'] });
    expect(close(again.outputs.h.data, h.outputs.h.data, dtype === 'float32' ? 1e-5 : 1e-12, 1e-6)).toBe(true);
  });

  it.each(['mean', 'sum'] as const)('mse_loss (%s): the bits of sub, square and the reduction, its gradients for input and target', async (reduction) => {
    const t = { data: [values(3, 5), values(3, 6)], dtype, requires_grad: true };
    const fused = await run({ inputs: { x, t }, program: `loss = mse_loss(x, t, reduction="${reduction}")`, backward: { of: 'loss', wrt: ['x', 't'] } });
    const formula = await run({
      inputs: { x: { ...x, requires_grad: false }, t: { ...t, requires_grad: false } },
      program: `d = x - t\nloss = square(d).${reduction}()\ng = ${reduction === 'mean' ? 'ones([]) / 6' : 'ones([])'}\ngx = g * (d * 2)\ngt = gx * -1`.replace('ones([])', `ones([], dtype="${dtype}")`),
      outputs: ['loss', 'gx', 'gt'],
    });
    expect(fused.outputs.loss.data).toEqual(formula.outputs.loss.data);
    expect(fused.grads.x.data).toEqual(formula.outputs.gx.data);
    expect(fused.grads.t.data).toEqual(formula.outputs.gt.data);
    // Second order: d2(loss)/dx2 is 2/n (mean) or 2 (sum) on the diagonal.
    const second = await run({ inputs: { x, t }, program: `loss = mse_loss(x, t, reduction="${reduction}")\ngx = grad(loss, x)\nh = grad(gx.sum(), x)`, outputs: ['gx', 'h'], backward: { of: 'loss', wrt: ['x'] } });
    expect(second.outputs.gx.data).toEqual(formula.outputs.gx.data);
    expect(second.outputs.h.data.flat()).toEqual(Array(6).fill(reduction === 'mean' ? 2 / 6 : 2).map((v) => (dtype === 'float32' ? Math.fround(v) : v)));
  });
});

it('mse_loss of broadcast or mixed-dtype operands, and with reduction none, still answers as before', async () => {
  const r = await run({ inputs: { x: { data: [[1, 2], [3, 4]], requires_grad: true }, t: [1, 1] }, program: 'loss = mse_loss(x, t)', backward: { of: 'loss', wrt: ['x'] } });
  expect(r.outputs.loss.data).toBeCloseTo((0 + 1 + 4 + 9) / 4, 6);
  expect(r.grads.x.data).toEqual([[0, 0.5], [1, 1.5]]);
  const m = await run({ inputs: { x: { data: [1, 2], dtype: 'float32', requires_grad: true }, t: { data: [0, 0], dtype: 'float64' } }, program: 'loss = mse_loss(x, t)', backward: { of: 'loss', wrt: ['x'] } });
  expect(m.outputs.loss.dtype).toBe('float64');
  expect(m.grads.x.data).toEqual([1, 2]);
  const n = await run({ inputs: { x: { data: [1, 3], requires_grad: true }, t: [0, 0] }, program: 'l = mse_loss(x, t, reduction="none")\nloss = l.sum()', outputs: ['l'], backward: { of: 'loss', wrt: ['x'] } });
  expect(n.outputs.l.data).toEqual([1, 9]);
  expect(n.grads.x.data).toEqual([2, 6]);
});

it('a dry run costs a fused graph as it runs it', async () => {
  const body = { inputs: { x: { data: [values(4, 7)], requires_grad: true }, t: [values(4, 8)] }, program: 'o = sigmoid(x)\nloss = mse_loss(o, t)', backward: { of: 'loss', wrt: ['x'] } };
  const dry = await run({ ...body, dry_run: true });
  expect(dry.cost.flops).toBeGreaterThan(0);
  expect(dry.grads.x).toEqual({ shape: [1, 4], dtype: 'float32' });
  const real = await run(body);
  expect(real.grads.x.data[0]).toHaveLength(4);
});
