import { describe, expect, it } from 'vitest';
import {
  decodeTensor,
  encodeBinaryResponse,
  encodeTensor,
  parseBinaryBody,
  type DType,
  type TensorData,
} from '../../src/encoding/index.js';
import { binaryFrame } from '../helpers.js';
import { expectProblem, T } from './helpers.js';


describe('parseBinaryBody', () => {
  it('splits header and data', () => {
    const data = new Uint8Array(new Float32Array([1, 2]).buffer);
    const body = binaryFrame('{"inputs":{"x":{"dtype":"float32","shape":[2],"data_offsets":[0,8]}}}', data);
    const { header, data: d } = parseBinaryBody(body);
    expect(header).toEqual({ inputs: { x: { dtype: 'float32', shape: [2], data_offsets: [0, 8] } } });
    expect(Array.from(d)).toEqual(Array.from(data));
    const x = decodeTensor((header as { inputs: { x: unknown } }).inputs.x, '/inputs/x', { maxElements: 10, binary: d });
    expect(x.data).toEqual(new Float32Array([1, 2]));
  });

  it('accepts a header padded with spaces and an empty data buffer', () => {
    const { header, data } = parseBinaryBody(binaryFrame('{"a":1}   '));
    expect(header).toEqual({ a: 1 });
    expect(data.byteLength).toBe(0);
  });

  it('works on a Uint8Array view at an odd offset', () => {
    const inner = binaryFrame('{"a":2}', new Uint8Array([7, 8]));
    const outer = new Uint8Array(inner.byteLength + 3);
    outer.set(inner, 3);
    const { header, data } = parseBinaryBody(outer.subarray(3));
    expect(header).toEqual({ a: 2 });
    expect(Array.from(data)).toEqual([7, 8]);
  });

  it('a body shorter than 8 bytes is a 400', () => {
    expectProblem(() => parseBinaryBody(Buffer.alloc(0)), 400, { type: T.invalidRequest });
    expectProblem(() => parseBinaryBody(Buffer.alloc(7)), 400, { type: T.invalidRequest });
  });

  it('a header length past the end is a 400', () => {
    expectProblem(() => parseBinaryBody(binaryFrame('{}', new Uint8Array(0), 3n)), 400, {
      type: T.invalidRequest,
      message: 'the binary header length is 3 bytes but only 2 bytes follow it',
    });
    expectProblem(() => parseBinaryBody(binaryFrame('{}', new Uint8Array(0), 2n ** 64n - 1n)), 400, { type: T.invalidRequest });
    expectProblem(() => parseBinaryBody(binaryFrame('{}', new Uint8Array(0), 2n ** 53n + 1n)), 400, { type: T.invalidRequest });
  });

  it('a header that is not JSON is a 400', () => {
    expectProblem(() => parseBinaryBody(binaryFrame('{"a":')), 400, { type: T.invalidJson });
    expectProblem(() => parseBinaryBody(binaryFrame('')), 400, { type: T.invalidJson });
    expectProblem(() => parseBinaryBody(binaryFrame(new Uint8Array([0x7b, 0xff, 0x7d]))), 400, { type: T.invalidJson, message: 'UTF-8' });
  });

  it('a header that is not a JSON object is a 400', () => {
    for (const h of ['[]', '1', 'null', '"x"']) {
      expectProblem(() => parseBinaryBody(binaryFrame(h)), 400, { type: T.invalidRequest });
    }
  });

  it('refuses prototype poisoning like fastify does', () => {
    expectProblem(() => parseBinaryBody(binaryFrame('{"a":{"__proto__":{"x":1}}}')), 400, { type: T.invalidRequest });
    expectProblem(() => parseBinaryBody(binaryFrame('{"\\u005f_proto__":{"x":1}}')), 400, { type: T.invalidRequest });
    expectProblem(() => parseBinaryBody(binaryFrame('{"constructor":{"prototype":{"x":1}}}')), 400, { type: T.invalidRequest });
    expect(parseBinaryBody(binaryFrame('{"constructor":"ok","s":"\\u0041"}')).header).toEqual({ constructor: 'ok', s: 'A' });
  });
});

describe('encodeBinaryResponse', () => {
  it('replaces raw tensors by data_offsets and appends aligned bytes', () => {
    const loss = new Float32Array([0.25]);
    const p = new Float64Array([1, 2, 3]);
    const mask = new Uint8Array([1, 0, 1]);
    const body = {
      outputs: {
        loss: { shape: [], dtype: 'float32', data: loss.buffer },
        p: { shape: [3], dtype: 'float64', data: p },
        mask: { shape: [3], dtype: 'bool', data: mask },
      },
      grads: { w: { shape: [2], dtype: 'float32', data: new Float32Array([5, 6]) } },
      cost: { bytes: 10, flops: 20 },
      list: [{ shape: [1], dtype: 'int64', data: new BigInt64Array([-3n]).buffer }, 'x', null],
      meta: { shape: [4], dtype: 'float32' },
      encoded: { shape: [1], dtype: 'float32', data: [1] },
    };
    const buf = encodeBinaryResponse(body);
    const n = Number(buf.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const { header, data } = parseBinaryBody(buf);
    const h = header as {
      outputs: Record<string, { shape: number[]; dtype: string; data_offsets: [number, number] }>;
      grads: Record<string, { data_offsets: [number, number] }>;
      list: unknown[];
      cost: unknown;
      meta: unknown;
      encoded: unknown;
    };
    expect(h.outputs.loss).toEqual({ dtype: 'float32', shape: [], data_offsets: [0, 4] });
    expect(h.outputs.p).toEqual({ dtype: 'float64', shape: [3], data_offsets: [8, 32] });
    expect(h.outputs.mask).toEqual({ dtype: 'bool', shape: [3], data_offsets: [32, 35] });
    expect(h.grads.w!.data_offsets).toEqual([40, 48]);
    expect(h.list).toEqual([{ dtype: 'int64', shape: [1], data_offsets: [48, 56] }, 'x', null]);
    expect(h.cost).toEqual({ bytes: 10, flops: 20 });
    expect(h.meta).toEqual({ shape: [4], dtype: 'float32' });
    expect(h.encoded).toEqual({ shape: [1], dtype: 'float32', data: [1] });
    expect(data.byteLength).toBe(56);
    // padding bytes are zero
    expect(Array.from(data.subarray(4, 8))).toEqual([0, 0, 0, 0]);
    expect(Array.from(data.subarray(35, 40))).toEqual([0, 0, 0, 0, 0]);
    // the data buffer starts 8-byte aligned in the body
    expect((data.byteOffset - buf.byteOffset) % 8).toBe(0);
    const opts = { maxElements: 100, binary: data };
    expect(decodeTensor(h.outputs.loss, '/l', opts).data).toEqual(loss);
    expect(decodeTensor(h.outputs.p, '/p', opts).data).toEqual(p);
    expect(decodeTensor(h.outputs.mask, '/m', opts).data).toEqual(mask);
    expect(decodeTensor(h.list[0], '/i', opts).data).toEqual(new BigInt64Array([-3n]));
  });

  it('a body without tensors is its JSON, padded', () => {
    const buf = encodeBinaryResponse({ a: 1 });
    const { header, data } = parseBinaryBody(buf);
    expect(header).toEqual({ a: 1 });
    expect(data.byteLength).toBe(0);
    expect(buf.byteLength % 8).toBe(0);
  });

  it('keeps other keys of a tensor object', () => {
    const { header } = parseBinaryBody(encodeBinaryResponse({ t: { shape: [1], dtype: 'float32', data: new Float32Array([1]), name: 'w' } }));
    expect(header).toEqual({ t: { name: 'w', dtype: 'float32', shape: [1], data_offsets: [0, 4] } });
  });

  it('checks byte length against the shape', () => {
    expectProblem(() => encodeBinaryResponse({ t: { shape: [2], dtype: 'float32', data: new Float32Array(1) } }), 500, {
      type: T.internal,
    });
  });
});

describe('binary round trips', () => {
  const cases: { dtype: DType; shape: number[]; data: TensorData }[] = [
    { dtype: 'float32', shape: [2, 2], data: new Float32Array([0.1, -0, NaN, -Infinity]) },
    { dtype: 'float64', shape: [3], data: new Float64Array([1e-310, 2, Infinity]) },
    { dtype: 'int64', shape: [], data: new BigInt64Array([-(2n ** 63n)]) },
    { dtype: 'bool', shape: [5], data: new Uint8Array([1, 1, 0, 1, 0]) },
    { dtype: 'float32', shape: [0], data: new Float32Array(0) },
  ];
  for (const c of cases) {
    it(`${c.dtype} ${JSON.stringify(c.shape)}`, () => {
      const buf = encodeBinaryResponse({ a: c, b: c });
      const { header, data } = parseBinaryBody(buf);
      const h = header as { a: unknown; b: unknown };
      for (const t of [h.a, h.b]) {
        const back = decodeTensor(t, '/t', { maxElements: 100, binary: data });
        expect(back.dtype).toBe(c.dtype);
        expect(back.shape).toEqual(c.shape);
        expect(back.data).toEqual(c.data);
        // and the same values as the json encoding
        expect(encodeTensor({ ...back, data: back.data! }, 'json')).toEqual(encodeTensor(c, 'json'));
      }
    });
  }
});
