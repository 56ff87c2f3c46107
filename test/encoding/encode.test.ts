import { describe, expect, it } from 'vitest';
import {
  decodeTensor,
  encodeResponse,
  encodeTensor,
  isRawTensor,
  type DType,
  type JsonTensor,
  type TensorData,
} from '../../src/encoding/index.js';
import { expectProblem, T } from './helpers.js';

function json(dtype: DType, shape: number[], data: ArrayBuffer | TensorData): JsonTensor {
  return encodeTensor({ dtype, shape, data }, 'json');
}

describe('encodeTensor json', () => {
  it('a 0-d tensor is a bare number', () => {
    expect(json('float32', [], new Float32Array([2]))).toEqual({ shape: [], dtype: 'float32', data: 2 });
  });

  it('nests like tolist()', () => {
    const e = json('float64', [2, 3], new Float64Array([1, 2, 3, 4, 5, 6]));
    expect(e).toEqual({ shape: [2, 3], dtype: 'float64', data: [[1, 2, 3], [4, 5, 6]] });
    const e3 = json('float64', [2, 1, 2], new Float64Array([1, 2, 3, 4]));
    expect(e3.data).toEqual([[[1, 2]], [[3, 4]]]);
  });

  it('empty tensors', () => {
    expect(json('float32', [0], new Float32Array(0)).data).toEqual([]);
    expect(json('float32', [2, 0], new Float32Array(0)).data).toEqual([[], []]);
    expect(json('float32', [0, 3], new Float32Array(0)).data).toEqual([]);
    expect(json('float32', [2, 0, 3], new Float32Array(0)).data).toEqual([[], []]);
  });

  it('non-finite values are strings', () => {
    const e = json('float32', [4], new Float32Array([NaN, Infinity, -Infinity, 1]));
    expect(e.data).toEqual(['NaN', 'Infinity', '-Infinity', 1]);
    expect(json('float64', [], new Float64Array([NaN])).data).toBe('NaN');
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  });

  it('float32 values are the exact float32 value as a double (no rounding)', () => {
    const e = json('float32', [3], new Float32Array([0.1, 1 / 3, 16777217]));
    expect(e.data).toEqual([Math.fround(0.1), Math.fround(1 / 3), 16777216]);
    expect(JSON.stringify(e.data)).toBe('[0.10000000149011612,0.3333333432674408,16777216]');
  });

  it('int64 values are JS numbers', () => {
    const vals = [0n, 1n, -1n, 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 32n + 5n, -(2n ** 40n) - 3n, 2n ** 53n, -(2n ** 53n), 2n ** 62n + 1n, -(2n ** 63n), 2n ** 63n - 1n];
    const e = json('int64', [vals.length], new BigInt64Array(vals));
    expect(e.data).toEqual(vals.map((v) => Number(v)));
  });

  it('bool values are true/false', () => {
    expect(json('bool', [2, 2], new Uint8Array([1, 0, 0, 1])).data).toEqual([[true, false], [false, true]]);
    expect(json('bool', [], new Uint8Array([1])).data).toBe(true);
  });

  it('takes an ArrayBuffer (as the engine returns) or any view of the bytes', () => {
    const f = new Float32Array([1, 2, 3, 4]);
    expect(json('float32', [2, 2], f.buffer).data).toEqual([[1, 2], [3, 4]]);
    // A typed array that is a view at an offset.
    const big = new Float64Array([9, 1, 2, 9]);
    expect(json('float64', [2], big.subarray(1, 3)).data).toEqual([1, 2]);
    // Raw bytes at an unaligned offset are copied, not viewed.
    const bytes = new Uint8Array(9);
    bytes.set(new Uint8Array(new Float64Array([0.5]).buffer), 1);
    expect(json('float64', [], bytes.subarray(1)).data).toBe(0.5);
  });

  it('does not share the shape array', () => {
    const shape = [2];
    const e = json('float32', shape, new Float32Array(2));
    expect(e.shape).toEqual(shape);
    expect(e.shape).not.toBe(shape);
  });

  it('data of the wrong size is an internal error', () => {
    expectProblem(() => json('float32', [3], new Float32Array(2)), 500, { type: T.internal, message: 'needs 12' });
  });
});

describe('encodeTensor base64', () => {
  it('encodes little-endian bytes', () => {
    const f = new Float32Array([1, -2.5, NaN]);
    const e = encodeTensor({ dtype: 'float32', shape: [3], data: f }, 'base64');
    expect(e).toEqual({ shape: [3], dtype: 'float32', base64: Buffer.from(f.buffer).toString('base64') });
    expect('data' in e).toBe(false);
  });

  it('of a view encodes only the view', () => {
    const big = new Float64Array([9, 1, 2, 9]);
    const e = encodeTensor({ dtype: 'float64', shape: [2], data: big.subarray(1, 3) }, 'base64');
    expect(Buffer.from(e.base64, 'base64').byteLength).toBe(16);
    const back = decodeTensor(e, '/t', { maxElements: 10 });
    expect(back.data).toEqual(new Float64Array([1, 2]));
  });
});

describe('round trips', () => {
  const cases: { dtype: DType; shape: number[]; data: TensorData }[] = [
    { dtype: 'float32', shape: [2, 3], data: new Float32Array([0.1, -1.5, NaN, Infinity, -Infinity, 3e38]) },
    { dtype: 'float64', shape: [3], data: new Float64Array([Number.MIN_VALUE, -1e308, 0.1]) },
    { dtype: 'float64', shape: [], data: new Float64Array([NaN]) },
    { dtype: 'int64', shape: [2, 2], data: new BigInt64Array([1n, -7n, 2n ** 53n, -(2n ** 53n)]) },
    { dtype: 'bool', shape: [1, 3], data: new Uint8Array([1, 0, 1]) },
    { dtype: 'float32', shape: [0, 5], data: new Float32Array(0) },
  ];

  for (const c of cases) {
    it(`json ${c.dtype} ${JSON.stringify(c.shape)}`, () => {
      const wire = JSON.parse(JSON.stringify(encodeTensor(c, 'json'))) as unknown;
      const back = decodeTensor(wire, '/t', { maxElements: 100 });
      expect(back.dtype).toBe(c.dtype);
      expect(back.shape).toEqual(c.shape);
      expect(back.data).toEqual(c.data);
    });

    it(`base64 ${c.dtype} ${JSON.stringify(c.shape)}`, () => {
      const wire = JSON.parse(JSON.stringify(encodeTensor(c, 'base64'))) as unknown;
      const back = decodeTensor(wire, '/t', { maxElements: 100 });
      expect(back.dtype).toBe(c.dtype);
      expect(back.shape).toEqual(c.shape);
      expect(back.data).toEqual(c.data);
    });
  }

  it('-0 is kept as a number, but JSON text loses its sign (JSON.stringify(-0) is "0"); base64 keeps it', () => {
    const e = json('float64', [1], new Float64Array([-0]));
    expect(Object.is((e.data as number[])[0], -0)).toBe(true);
    expect(JSON.stringify(e.data)).toBe('[0]');
    const b = encodeTensor({ dtype: 'float64', shape: [1], data: new Float64Array([-0]) }, 'base64');
    expect(Object.is((decodeTensor(b, '/t', { maxElements: 1 }).data as Float64Array)[0], -0)).toBe(true);
  });
});

describe('encodeResponse', () => {
  const body = () => ({
    outputs: {
      loss: { shape: [], dtype: 'float32', data: new Float32Array([0.5]).buffer },
      p: { shape: [2], dtype: 'float64', data: new Float64Array([1, NaN]), name: 'p' },
    },
    list: [{ shape: [1], dtype: 'bool', data: new Uint8Array([1]) }, 3],
    cost: { bytes: 1 },
    meta: { shape: [3], dtype: 'float32' },
    skipped: undefined,
  });

  it('json: every raw tensor becomes {shape, dtype, data}', () => {
    expect(encodeResponse(body(), 'json')).toEqual({
      outputs: {
        loss: { shape: [], dtype: 'float32', data: 0.5 },
        p: { shape: [2], dtype: 'float64', data: [1, 'NaN'], name: 'p' },
      },
      list: [{ shape: [1], dtype: 'bool', data: [true] }, 3],
      cost: { bytes: 1 },
      meta: { shape: [3], dtype: 'float32' },
    });
  });

  it('base64: every raw tensor becomes {shape, dtype, base64}', () => {
    const r = encodeResponse(body(), 'base64') as { outputs: { loss: unknown } };
    expect(r.outputs.loss).toEqual({ shape: [], dtype: 'float32', base64: Buffer.from(new Float32Array([0.5]).buffer).toString('base64') });
  });

  it('isRawTensor', () => {
    expect(isRawTensor({ shape: [1], dtype: 'float32', data: new ArrayBuffer(4) })).toBe(true);
    expect(isRawTensor({ shape: [1], dtype: 'float32', data: [1] })).toBe(false);
    expect(isRawTensor({ shape: [1], dtype: 'half', data: new ArrayBuffer(2) })).toBe(false);
    expect(isRawTensor(null)).toBe(false);
  });
});
