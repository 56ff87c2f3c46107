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

describe('POST /v1/graph', () => {
  it("answers API.md's example: mse_loss(x * w, y) with dloss/dw = 2", async () => {
    const r = await post(app, '/v1/graph', {
      inputs: { x: 1.0, w: { data: 2.0, requires_grad: true }, y: 1.0 },
      program: 'p = x * w\nloss = mse_loss(p, y)',
      outputs: ['loss', 'p'],
      backward: { of: 'loss', wrt: ['w'] },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      outputs: { loss: { shape: [], dtype: 'float32', data: 1.0 }, p: { shape: [], dtype: 'float32', data: 2.0 } },
      grads: { w: { shape: [], dtype: 'float32', data: 2.0 } },
    });
  });

  it('gives the same answer for the node-list form', async () => {
    const r = await post(app, '/v1/graph', {
      inputs: { x: 1.0, w: { data: 2.0, requires_grad: true }, y: 1.0 },
      nodes: [
        { id: 'p', op: 'mul', args: ['x', 'w'] },
        { id: 'loss', op: 'mse_loss', args: ['p', 'y'], kwargs: { reduction: 'mean' } },
      ],
      outputs: ['p', 'loss'],
    });
    expect(r.status).toBe(200);
    expect(r.body.grads.w.data).toBe(2);
    expect(r.body.outputs.loss.data).toBe(1);
  });

  it('computes mse_loss(x * w, ones(1)) with the implicit backward', async () => {
    const r = await post(app, '/v1/graph', {
      inputs: { x: [1.0], w: { data: [2.0], requires_grad: true } },
      program: 'loss = mse_loss(x * w, ones(1))',
    });
    expect(r.status).toBe(200);
    expect(r.body.outputs.loss.data).toBe(1);
    expect(r.body.grads.w).toEqual({ shape: [1], dtype: 'float32', data: [2] });
  });

  it('differentiates to any order: d²/dx² of x*x*y is 2y', async () => {
    const r = await post(app, '/v1/graph', {
      inputs: { x: { data: 3.0, dtype: 'float64' }, y: { data: 2.0, dtype: 'float64' } },
      program: 'z = x * x * y\ndz = grad(z, x)\nd2z = grad(dz, x)\nd3z = grad(d2z, x)',
      outputs: ['z', 'dz', 'd2z', 'd3z'],
    });
    expect(r.status).toBe(200);
    expect(r.body.outputs.z.data).toBe(18);
    expect(r.body.outputs.dz.data).toBe(12);
    expect(r.body.outputs.d2z.data).toBe(4);
    expect(r.body.outputs.d3z.data).toBe(0);
  });

  it('trains nothing but gets the 2-2-2 sigmoid network right (loss 0.2983711)', async () => {
    const r = await post(app, '/v1/graph', {
      inputs: {
        x: [[0.05, 0.1]],
        w1: { data: [[0.15, 0.2], [0.25, 0.3]], requires_grad: true },
        b1: { data: [0.35, 0.35], requires_grad: true },
        w2: { data: [[0.4, 0.45], [0.5, 0.55]], requires_grad: true },
        b2: { data: [0.6, 0.6], requires_grad: true },
        t: [[0.01, 0.99]],
      },
      program: 'h = sigmoid(x @ w1.T + b1)\no = sigmoid(h @ w2.T + b2)\nloss = mse_loss(o, t)',
    });
    expect(r.status).toBe(200);
    expect(close(r.body.outputs.loss.data, 0.2983711)).toBe(true);
    expect(Object.keys(r.body.grads).sort()).toEqual(['b1', 'b2', 'w1', 'w2']);
  });
});
