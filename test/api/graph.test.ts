import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, NET_222, post, testApp } from '../helpers.js';

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
    const r = await post(app, '/v1/graph', NET_222);
    expect(r.status).toBe(200);
    expect(close(r.body.outputs.loss.data, 0.2983711)).toBe(true);
    expect(Object.keys(r.body.grads).sort()).toEqual(['b1', 'b2', 'w1', 'w2']);
  });
});
