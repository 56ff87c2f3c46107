// Tensor encodings through POST /v1/graph: base64 in and out, the binary
// framing both ways, non-finite values both ways.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBinaryBody } from '../../src/encoding/index.js';
import { binaryFrame, post, testApp } from '../helpers.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => {
  await app.close();
});

function b64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

describe('encodings', () => {
  it('takes base64 tensors and answers in base64 when asked', async () => {
    const x = new Float32Array([1, -2, 3.5, 4]);
    const r = await post(app, '/v1/graph', {
      inputs: { x: { shape: [2, 2], dtype: 'float32', base64: b64(x) } },
      program: 'y = x * 2',
      encoding: 'base64',
    });
    expect(r.status).toBe(200);
    const y = r.body.outputs.y;
    expect(y.shape).toEqual([2, 2]);
    expect(y.data).toBeUndefined();
    const bytes = Buffer.from(y.base64, 'base64');
    expect([...new Float32Array(bytes.buffer, bytes.byteOffset, 4)]).toEqual([2, -4, 7, 8]);
  });

  it('round-trips NaN and ±Infinity as strings', async () => {
    const r = await post(app, '/v1/graph', {
      inputs: { x: ['NaN', 'Infinity', '-Infinity', 1] },
      program: 'y = x * 1',
    });
    expect(r.status).toBe(200);
    expect(r.body.outputs.y.data).toEqual(['NaN', 'Infinity', '-Infinity', 1]);
  });

  it('takes flat data with a shape and an explicit dtype', async () => {
    const r = await post(app, '/v1/graph', {
      inputs: { x: { data: [1, 2, 3, 4, 5, 6], shape: [2, 3], dtype: 'float64' } },
      program: 'y = x.sum(dim=1)',
    });
    expect(r.body.outputs.y).toEqual({ shape: [2], dtype: 'float64', data: [6, 15] });
  });

  it('speaks the binary framing both ways (application/octet-stream)', async () => {
    const x = new Float32Array([1, 2, 3, 4, 5, 6]);
    const payload = binaryFrame(
      { inputs: { x: { dtype: 'float32', shape: [2, 3], data_offsets: [0, x.byteLength] } }, program: 'y = x.sum(dim=0)\nz = y * 0.5', outputs: ['y', 'z'] },
      new Uint8Array(x.buffer),
    );
    const res = await app.inject({
      method: 'POST',
      url: '/v1/graph',
      headers: { 'content-type': 'application/octet-stream', accept: 'application/octet-stream' },
      payload,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/octet-stream/);
    const { header: h, data } = parseBinaryBody(res.rawPayload);
    const out = (h as { outputs: Record<string, { shape: number[]; data_offsets: [number, number] }> }).outputs;
    const view = (name: string) => {
      const [b, e] = out[name]!.data_offsets;
      const copy = data.slice(b, e);
      return [...new Float32Array(copy.buffer, copy.byteOffset, (e - b) / 4)];
    };
    expect(out.y!.shape).toEqual([3]);
    expect(view('y')).toEqual([5, 7, 9]);
    expect(view('z')).toEqual([2.5, 3.5, 4.5]);
  });
});
