// PyTorch parity of the optimizers, their state round trip, parameter groups,
// every scheduler's lr sequence, and LBFGS on the Rosenbrock function. The
// fixture comes from real PyTorch 1.13: /usr/bin/python3 tools/parity/optim_generate.py
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, flat, post, testApp } from '../helpers.js';

interface Case {
  label: string;
  url: string;
  body: Record<string, any>;
  dtype: 'float32' | 'float64';
  expected: Record<string, any>;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/optim-parity.json', import.meta.url), 'utf8')) as { step: Case[]; loop: Case[] };
const TOL = { float32: { rtol: 1e-5, atol: 1e-6 }, float64: { rtol: 1e-9, atol: 1e-10 } };

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => {
  await app.close();
});

/** Compares numbers and tensors of `actual` with `expected`, key by key, with a message naming the path. */
function expectClose(actual: any, expected: any, tol: { rtol: number; atol: number }, path: string): void {
  if (expected === null || typeof expected !== 'object' || Array.isArray(expected)) {
    if (Array.isArray(expected) && expected.length > 0 && typeof expected[0] === 'object' && !Array.isArray(expected[0]) && expected[0] !== null) {
      expect(actual?.length, path).toBe(expected.length);
      expected.forEach((e: any, i: number) => expectClose(actual[i], e, tol, `${path}/${i}`));
      return;
    }
    const ok = expected === null ? actual === null : close(actual, expected, tol.rtol, tol.atol);
    if (!ok) expect({ path, actual: flat(actual ?? []).slice(0, 8) }).toEqual({ path, actual: flat(expected ?? []).slice(0, 8) });
    return;
  }
  if ('shape' in expected && 'data' in expected) {
    expect(actual?.shape, `${path} shape`).toEqual(expected.shape);
    expect(actual?.dtype, `${path} dtype`).toBe(expected.dtype);
    expectClose(actual.data, expected.data, tol, path);
    return;
  }
  for (const k of Object.keys(expected)) expectClose(actual?.[k], expected[k], tol, `${path}/${k}`);
}

describe('optimizer steps match PyTorch', () => {
  it.each(fixture.step.map((c) => [c.label, c] as const))('%s', async (_l, c) => {
    const res = await post(app, c.url, c.body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expectClose(res.body.params, c.expected.params, TOL[c.dtype], 'params');
    expectClose(res.body.state.state, c.expected.state.state, TOL[c.dtype], 'state');
    expect(Object.keys(res.body.state.state.w).sort()).toEqual(Object.keys(c.expected.state.state.w).sort());
  });

  it.each(fixture.step.map((c) => [c.label, c] as const))('%s: one step at a time with the state sent back', async (_l, c) => {
    let params = c.body.params;
    let state: unknown = null;
    for (let i = 0; i < c.body.steps; i++) {
      const res = await post(app, c.url, { ...c.body, params, state, steps: 1 });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      params = res.body.params;
      state = res.body.state;
    }
    expectClose(params, c.expected.params, TOL[c.dtype], 'params');
  });
});

describe('training loops match PyTorch', () => {
  it.each(fixture.loop.map((c) => [c.label, c] as const))('%s', async (_l, c) => {
    const res = await post(app, c.url, c.body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const tol = c.body.optimizer.name === 'lbfgs' ? { rtol: 1e-6, atol: 1e-9 } : TOL[c.dtype];
    expectClose(res.body.history.lr, c.expected.history.lr, { rtol: 1e-12, atol: 1e-15 }, 'history/lr');
    expectClose(res.body.history.loss, c.expected.history.loss, tol, 'history/loss');
    for (const k of Object.keys(c.expected.history)) if (k !== 'lr' && k !== 'loss') expectClose(res.body.history[k], c.expected.history[k], tol, `history/${k}`);
    expectClose(res.body.params, c.expected.params, tol, 'params');
    // Which parameters have a state (a parameter without a gradient has none).
    if (c.expected.state_keys) expect(Object.keys(res.body.state.state).sort()).toEqual(c.expected.state_keys);
    // Every group's lr after the last scheduler step (the second group has its own base lr).
    if (c.expected.final_lrs)
      expectClose(res.body.state.param_groups.map((g: { lr: number }) => g.lr), c.expected.final_lrs, { rtol: 1e-12, atol: 1e-15 }, 'param_groups/lr');
  });
});
