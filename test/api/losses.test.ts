// /v1/losses through the API: the list, aliases, wrt, grad_output, and the
// 404/422 answers of the issue.
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

const CE = { input: [[1, 2], [1, 3], [1, 3]], target: [0, 1, 1] };

describe('GET /v1/losses', () => {
  it('lists every loss with its arguments, defaults and aliases', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/losses' });
    expect(res.statusCode).toBe(200);
    const list = res.json().losses as Array<{ name: string; alias: string; arguments: Array<{ name: string; default?: unknown }> }>;
    expect(list).toHaveLength(21);
    const ce = list.find((l) => l.name === 'cross_entropy')!;
    expect(ce.alias).toBe('CrossEntropyLoss');
    expect(ce.arguments.find((a) => a.name === 'label_smoothing')?.default).toBe(0);
    expect(ce.arguments.find((a) => a.name === 'ignore_index')?.default).toBe(-100);
  });
});

describe('POST /v1/losses/{name}', () => {
  it("gives the textbook cross_entropy numbers: none, sum, mean, and weighted", async () => {
    const none = await post(app, '/v1/losses/cross_entropy', { ...CE, reduction: 'none' });
    expect(close(none.body.loss.data, [1.3133, 0.1269, 0.1269], 2e-4, 1e-4)).toBe(true);
    const sum = await post(app, '/v1/losses/cross_entropy', { ...CE, reduction: 'sum' });
    expect(close(sum.body.loss.data, 1.5671, 1e-4, 1e-4)).toBe(true);
    const mean = await post(app, '/v1/losses/CrossEntropyLoss', CE);
    expect(close(mean.body.loss.data, 0.5224, 1e-4, 1e-4)).toBe(true);
    const weighted = await post(app, '/v1/losses/cross_entropy', { ...CE, weight: [1, 2] });
    expect(close(weighted.body.loss.data, 0.3642, 1e-4, 1e-4)).toBe(true);
    expect(Object.keys(weighted.body.grads)).toEqual(['input']);
  });

  it('back-propagates a non-scalar loss with grad_output, and wrt narrows the gradients', async () => {
    const r = await post(app, '/v1/losses/mse_loss', { input: [1, 2], target: [0, 0], reduction: 'none', grad_output: [1, 10], wrt: ['input'] });
    expect(r.status).toBe(200);
    expect(r.body.grads).toEqual({ input: { shape: [2], dtype: 'float32', data: [2, 40] } });
    const both = await post(app, '/v1/losses/mse_loss', { input: [1, 2], target: [0, 0] });
    expect(Object.keys(both.body.grads).sort()).toEqual(['input', 'target']);
  });

  it('differentiates class-probability targets of cross_entropy, not class indices', async () => {
    const r = await post(app, '/v1/losses/cross_entropy', { input: [[1, 2, 0.5]], target: [[0.2, 0.5, 0.3]] });
    expect(Object.keys(r.body.grads).sort()).toEqual(['input', 'target']);
  });

  it('answers 404 listing the losses for an unknown name', async () => {
    const r = await post(app, '/v1/losses/fancy_loss', CE);
    expect(r.status).toBe(404);
    expect(r.body.detail).toMatch(/known losses: cross_entropy, nll_loss/);
  });

  it.each([
    ['class index out of range', 'cross_entropy', { input: [[1, 2]], target: [5] }, /out of bounds/],
    ['non-integer class index', 'cross_entropy', { input: [[1, 2]], target: [0.5] }, /integer/],
    ['BCE input outside [0, 1]', 'binary_cross_entropy', { input: [0.5, 1.5], target: [1, 0] }, /between 0 and 1/],
    ['an unknown reduction', 'mse_loss', { input: [1], target: [1], reduction: 'avg' }, /not a valid value for reduction/],
    ['a shape mismatch', 'margin_ranking_loss', { input1: [1, 2], input2: [[1, 2]], target: [1, -1] }, /./],
    ['an unknown argument', 'mse_loss', { input: [1], target: [1], size_average: true }, /unexpected keyword argument 'size_average'/],
    ['a missing argument', 'mse_loss', { input: [1] }, /missing required argument 'target'/],
    ['inconsistent CTC lengths', 'ctc_loss', { log_probs: [[[-1, -0.5]], [[-0.7, -0.7]]], targets: [[1]], input_lengths: [3], target_lengths: [1] }, /input_lengths/],
  ])('answers 422 for %s', async (_what, name, body, message) => {
    const r = await post(app, `/v1/losses/${name}`, body);
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.body.detail).toMatch(message);
  });
});
