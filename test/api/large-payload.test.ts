// Large payloads through POST /v1/graph: a 1M-element float32 tensor in base64
// both ways and in the binary framing both ways (API.md "Tensors"), values
// checked element by element (y = x * 2 is exact in float32); nested JSON
// answers above the small-answer size, written by the engine's number writer,
// byte for byte JSON.stringify of the values tolist() gives, in every dtype.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBinaryBody } from '../../src/encoding/index.js';
import { binaryFrame, testApp } from '../helpers.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => {
  await app.close();
});

const N = 1_000_000;
const x = new Float32Array(N);
for (let i = 0; i < N; i++) x[i] = Math.fround(Math.sin(i) * 1000);

function expectDoubled(y: Float32Array): void {
  expect(y.length).toBe(N);
  let bad = -1;
  for (let i = 0; i < N && bad < 0; i++) if (y[i] !== 2 * x[i]!) bad = i;
  expect(bad, bad >= 0 ? `y[${bad}] = ${y[bad]}, expected ${2 * x[bad]!}` : '').toBe(-1);
}

/** A Float32Array over a copy of bytes (any alignment). */
const floats = (bytes: Uint8Array) => new Float32Array(new Uint8Array(bytes).buffer);

describe('1M-element tensors through /v1/graph', () => {
  it('base64 in, base64 out', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/graph',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        inputs: { x: { shape: [1000, 1000], dtype: 'float32', base64: Buffer.from(x.buffer).toString('base64') } },
        program: 'y = x * 2',
        encoding: 'base64',
      }),
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const y = JSON.parse(res.body).outputs.y;
    expect(y.shape).toEqual([1000, 1000]);
    expect(y.dtype).toBe('float32');
    expectDoubled(floats(Buffer.from(y.base64, 'base64')));
  });

  it('binary framing in, binary framing out', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/graph',
      headers: { 'content-type': 'application/octet-stream', accept: 'application/octet-stream' },
      payload: binaryFrame({ inputs: { x: { dtype: 'float32', shape: [N], data_offsets: [0, x.byteLength] } }, program: 'y = x * 2' }, new Uint8Array(x.buffer)),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/octet-stream/);
    const { header: h, data } = parseBinaryBody(res.rawPayload);
    const y = (h as { outputs: { y: { shape: number[]; data_offsets: [number, number] } } }).outputs.y;
    expect(y.shape).toEqual([N]);
    expectDoubled(floats(data.subarray(y.data_offsets[0], y.data_offsets[1])));
  });

  it('nested JSON answers of every dtype, non-finite values included, as JSON.stringify writes them', async () => {
    const rows = 120;
    const cols = 50; // 6000 elements per tensor: past the small-answer writer (4096)
    const xs = Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => Math.fround(Math.sin(r * cols + c) * 1000)));
    xs[0]![0] = 0;
    const res = await app.inject({
      method: 'POST',
      url: '/v1/graph',
      headers: { 'content-type': 'application/json' },
      payload: { inputs: { x: xs }, program: 'y = x * 2\nd = x.double() / 3\ni = (x * 1000).long()\nb = x > 0\nq = x / 0', outputs: ['y', 'd', 'i', 'b', 'q'] },
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    const flat = xs.flat();
    const f64 = (f: (v: number) => number) => flat.map(f);
    const want = {
      y: { dtype: 'float32', v: f64((v) => Math.fround(v * 2)) },
      d: { dtype: 'float64', v: f64((v) => v / 3) },
      i: { dtype: 'int64', v: f64((v) => Math.trunc(Math.fround(v * 1000))) },
      b: { dtype: 'bool', v: flat.map((v) => v > 0) },
      q: { dtype: 'float32', v: flat.map((v) => (v === 0 ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity')) },
    };
    const outputs: Record<string, unknown> = {};
    for (const [k, w] of Object.entries(want)) {
      const data: unknown[][] = [];
      for (let r = 0; r < rows; r++) data.push(w.v.slice(r * cols, (r + 1) * cols));
      outputs[k] = { shape: [rows, cols], dtype: w.dtype, data };
    }
    expect(res.body).toBe(JSON.stringify({ outputs }));
  });

  it('a large answer of 71 dimensions (70 unsqueezes) is written like any other', async () => {
    let program = 'y0 = x\n';
    for (let i = 1; i <= 70; i++) program += `y${i} = y${i - 1}.unsqueeze(0)\n`;
    const data = Array.from({ length: 5000 }, (_, i) => i / 8);
    const res = await app.inject({ method: 'POST', url: '/v1/graph', payload: { inputs: { x: data }, program, outputs: ['y70'] } });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    let nested: unknown = data;
    for (let i = 0; i < 70; i++) nested = [nested];
    expect(res.body).toBe(JSON.stringify({ outputs: { y70: { shape: [...new Array(70).fill(1), 5000], dtype: 'float32', data: nested } } }));
  });

  it("bodies whose long strings are cut out before JSON.parse: JSON.parse's own errors, '__proto__' keys still refused", async () => {
    const b64 = Buffer.from(x.buffer).toString('base64');
    const good = JSON.stringify({ inputs: { x: { shape: [1000, 1000], dtype: 'float32', base64: b64 } }, program: 'y = x * 2', encoding: 'base64' });
    const cut = b64.length >> 1;
    const broken = [
      good.slice(0, -1), // unterminated object
      good.replace(b64, b64.slice(0, cut) + '\u0001' + b64.slice(cut)), // a raw control character in the long string
    ];
    for (const text of broken) {
      let message = '';
      try {
        JSON.parse(text);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).not.toBe('');
      const res = await app.inject({ method: 'POST', url: '/v1/graph', headers: { 'content-type': 'application/json' }, payload: text });
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toBe(`the body is not valid JSON: ${message}`);
    }
    // An escaped quote at the end of the long string (valid JSON, left for JSON.parse): the string is then not base64.
    const escaped = await app.inject({ method: 'POST', url: '/v1/graph', headers: { 'content-type': 'application/json' }, payload: good.replace(b64, b64 + '\\"') });
    expect(escaped.statusCode).toBe(422);
    expect(escaped.json().detail).toMatch(/base64/);
    const proto = await app.inject({
      method: 'POST',
      url: '/v1/graph',
      headers: { 'content-type': 'application/json' },
      payload: `{"inputs":{"__proto__":{"shape":[1000,1000],"dtype":"float32","base64":"${b64}"}},"program":"y = 1"}`,
    });
    expect(proto.statusCode).toBe(400);
    expect(proto.json().detail).toMatch(/a key named '__proto__' is not accepted \(at \/inputs\/__proto__\)/);
  });
});
