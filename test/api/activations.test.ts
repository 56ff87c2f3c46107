// /v1/activations through app.inject: the list, aliases, options, errors.
// Numerical parity with PyTorch is test/parity/activations-parity.test.ts.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBinaryBody } from '../../src/encoding/index.js';
import { findOp } from '../../src/registry/catalogue.js';
import { binaryFrame, close, post, testApp } from '../helpers.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => {
  await app.close();
});

const API_MD = 'sigmoid tanh relu leaky_relu elu selu celu gelu silu mish softplus softsign hardtanh hardsigmoid hardswish relu6 logsigmoid softmax log_softmax softmin'.split(' ');

describe('GET /v1/activations', () => {
  it("lists API.md's activations with the op registry's options and defaults", async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/activations' });
    expect(res.statusCode).toBe(200);
    const list = res.json().activations as Array<{ name: string; nn: string; signature: string; options: Array<{ name: string; default?: unknown; required: boolean }> }>;
    const names = list.map((a) => a.name);
    for (const n of API_MD) expect(names).toContain(n);
    for (const a of list) {
      const op = findOp(a.name)!;
      expect(a.signature).toBe(op.schema);
      expect(a.options.map((o) => o.name)).toEqual(op.args.filter((x) => x.name !== 'input').map((x) => x.name));
    }
    const byName = Object.fromEntries(list.map((a) => [a.name, a]));
    expect(byName.leaky_relu!.options).toEqual([{ name: 'negative_slope', type: 'float', default: 0.01, required: false, keyword_only: false }]);
    expect(byName.gelu!.options[0]).toMatchObject({ name: 'approximate', default: 'none', keyword_only: true });
    expect(byName.softplus!.options.map((o) => [o.name, o.default])).toEqual([['beta', 1], ['threshold', 20]]);
    expect(byName.hardtanh!.options.map((o) => [o.name, o.default])).toEqual([['min_val', -1], ['max_val', 1]]);
    expect(byName.threshold!.options.every((o) => o.required)).toBe(true);
    expect(byName.relu!.nn).toBe('ReLU');
  });
});

describe('POST /v1/activations/{name}', () => {
  it('answers the API.md example: output and d(sum(output))/d(input)', async () => {
    const r = await post(app, '/v1/activations/leaky_relu', { input: [-2, -0.5, 0, 1.5], negative_slope: 0.1 });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['grad', 'output']);
    expect(close(r.body.output.data, [-0.2, -0.05, 0, 1.5])).toBe(true);
    expect(close(r.body.grad.data, [0.1, 0.1, 0.1, 1])).toBe(true);
    expect(r.body.output.dtype).toBe('float32');
  });

  it('accepts torch.nn class names as aliases', async () => {
    const a = await post(app, '/v1/activations/LeakyReLU', { input: [-2, 1], negative_slope: 0.1 });
    const b = await post(app, '/v1/activations/leaky_relu', { input: [-2, 1], negative_slope: 0.1 });
    expect(a.status).toBe(200);
    expect(a.body).toEqual(b.body);
  });

  it('uses grad_output for the vector-Jacobian product, and returns the Jacobian when asked', async () => {
    const r = await post(app, '/v1/activations/softmax', { input: { data: [1, 2, 3], dtype: 'float64' }, dim: 0, grad_output: { data: [1, 0, 0], dtype: 'float64' }, jacobian: true });
    expect(r.status).toBe(200);
    const p = r.body.output.data as number[];
    expect(r.body.jacobian.shape).toEqual([3, 3]);
    // grad = J^T v with v = e_0: the first row of the (symmetric) softmax Jacobian.
    expect(close(r.body.grad.data, (r.body.jacobian.data as number[][])[0], 1e-12, 1e-15)).toBe(true);
    expect(close(r.body.grad.data, [p[0]! * (1 - p[0]!), -p[0]! * p[1]!, -p[0]! * p[2]!], 1e-12, 1e-15)).toBe(true);
  });

  it('keeps float64 and answers in base64 when asked', async () => {
    const r = await post(app, '/v1/activations/tanh', { input: { data: [0.5], dtype: 'float64' }, encoding: 'base64' });
    expect(r.status).toBe(200);
    expect(r.body.output.dtype).toBe('float64');
    expect(Buffer.from(r.body.output.base64, 'base64').readDoubleLE(0)).toBeCloseTo(Math.tanh(0.5), 15);
  });

  it('speaks the binary framing both ways (application/octet-stream)', async () => {
    const x = new Float64Array([-1, 0.5, 2]);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/activations/elu',
      headers: { 'content-type': 'application/octet-stream', accept: 'application/octet-stream' },
      payload: binaryFrame({ input: { dtype: 'float64', shape: [3], data_offsets: [0, x.byteLength] }, alpha: 0.5 }, new Uint8Array(x.buffer)),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/octet-stream/);
    const { header: h, data } = parseBinaryBody(res.rawPayload);
    const view = (name: 'output' | 'grad') => {
      const [b, e] = (h as Record<string, { data_offsets: [number, number] }>)[name]!.data_offsets;
      const copy = data.slice(b, e);
      return [...new Float64Array(copy.buffer, copy.byteOffset, (e - b) / 8)];
    };
    expect(close(view('output'), [0.5 * (Math.exp(-1) - 1), 0.5, 2], 1e-12)).toBe(true);
    expect(close(view('grad'), [0.5 * Math.exp(-1), 1, 1], 1e-12)).toBe(true);
  });

  it('404 for an unknown activation, listing the known ones', async () => {
    const r = await post(app, '/v1/activations/swish2', { input: [1] });
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    for (const n of API_MD) expect(r.body.detail).toContain(n);
  });

  it("422 for an option the activation does not take, in Python's words", async () => {
    const r = await post(app, '/v1/activations/relu', { input: [1], negative_slope: 0.1 });
    expect(r.status).toBe(422);
    expect(r.body.detail).toContain("relu() got an unexpected keyword argument 'negative_slope'");
    expect(r.body.errors[0].path).toBe('/negative_slope');
    const unknown = await post(app, '/v1/activations/elu', { input: [1], alhpa: 2 });
    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toContain("unexpected keyword argument 'alhpa'");
  });

  it('422 for a bad option value, a missing required option, an integer input or a mismatched grad_output', async () => {
    expect((await post(app, '/v1/activations/gelu', { input: [1], approximate: 'erf' })).status).toBe(422);
    expect((await post(app, '/v1/activations/softmax', { input: [1, 2], dim: 3 })).status).toBe(422);
    const missing = await post(app, '/v1/activations/threshold', { input: [1], threshold: 0.5 });
    expect(missing.status).toBe(422);
    expect(missing.body.detail).toContain("missing required argument 'value'");
    const int = await post(app, '/v1/activations/relu', { input: { data: [1, 2], dtype: 'int64' } });
    expect(int.status).toBe(422);
    expect(int.body.errors[0].path).toBe('/input');
    expect((await post(app, '/v1/activations/relu', { input: [1, 2], grad_output: [1, 2, 3] })).status).toBe(422);
  });

  it('400 when the body does not match the schema (an option of the wrong JSON type, no input)', async () => {
    expect((await post(app, '/v1/activations/elu', { input: [1], alpha: 'big' })).status).toBe(400);
    expect((await post(app, '/v1/activations/elu', { alpha: 1 })).status).toBe(400);
  });

  it('413 when the Jacobian would be over MAX_TENSOR_ELEMENTS', async () => {
    const small = await testApp({ maxTensorElements: 1000 });
    try {
      const r = await post(small, '/v1/activations/sigmoid', { input: { data: new Array(100).fill(0.5), shape: [100] }, jacobian: true });
      expect(r.status).toBe(413);
    } finally {
      await small.close();
    }
  });
});
