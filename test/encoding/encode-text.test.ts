// smallJsonAnswer is byte for byte JSON.stringify(encodeResponse(body, 'json'))
// for answers it takes, and declines (undefined) the rest, so the general path
// answers them (and raises its errors).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { smallJsonAnswer } from '../../src/encoding/encode-text.js';
import { encodeResponse, type DType, type RawTensor } from '../../src/encoding/index.js';

const general = (body: Record<string, unknown>) => JSON.stringify(encodeResponse(body, 'json'));

/** A raw tensor of `dtype` and `shape` whose bytes come from `seed` (every bit pattern: NaN, ±Infinity, -0, subnormals). */
function raw(dtype: DType, shape: number[], seed: number[], offset = 0): RawTensor {
  const size = { float32: 4, float64: 8, int64: 8, bool: 1 }[dtype];
  const n = shape.reduce((a, b) => a * b, 1);
  const buf = new ArrayBuffer(offset + n * size);
  const bytes = new Uint8Array(buf, offset, n * size);
  for (let i = 0; i < bytes.length; i++) bytes[i] = dtype === 'bool' ? (seed[i % seed.length]! & 1) : seed[i % seed.length]! & 255;
  return { dtype, shape, data: bytes };
}

const tensorArb = fc
  .record({
    dtype: fc.constantFrom<DType>('float32', 'float64', 'int64', 'bool'),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
    seed: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 64 }),
  })
  .map(({ dtype, shape, seed }) => raw(dtype, shape, seed));

describe('smallJsonAnswer', () => {
  it('matches the general path on random answers: outputs (tensors, lists, null), grads, extra keys', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 6 }), fc.oneof(tensorArb, fc.constant(null), fc.array(tensorArb, { maxLength: 3 })), { maxKeys: 4 }),
        fc.option(fc.dictionary(fc.string({ maxLength: 6 }), tensorArb, { maxKeys: 3 }), { nil: undefined }),
        fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }),
        (outputs, grads, extra) => {
          const body: Record<string, unknown> = { outputs, ...(grads ? { grads } : {}), ...(extra !== undefined ? { extra } : {}) };
          const text = smallJsonAnswer(body);
          expect(text).toBeDefined();
          expect(text).toBe(general(body));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('writes every float bit pattern as the general path does (NaN, ±Infinity, -0, subnormals, float32 exact values)', () => {
    const specials = [NaN, Infinity, -Infinity, -0, 0, 1e-45, 0.1, -3.4028234663852886e38, 5e-324, 2 ** 53 + 2];
    for (const dtype of ['float32', 'float64'] as const) {
      const data = dtype === 'float32' ? new Float32Array(specials) : new Float64Array(specials);
      const body = { outputs: { x: { dtype, shape: [2, 5], data: new Uint8Array(data.buffer) }, s: { dtype, shape: [], data: new Uint8Array(data.buffer, 0, data.BYTES_PER_ELEMENT) } } };
      expect(smallJsonAnswer(body)).toBe(general(body));
    }
    const i64 = new BigInt64Array([0n, -1n, 2n ** 62n, -(2n ** 63n), 2n ** 53n + 1n]);
    const body = { outputs: { i: { dtype: 'int64', shape: [5], data: new Uint8Array(i64.buffer) } } };
    expect(smallJsonAnswer(body)).toBe(general(body));
  });

  it('keeps a tensor object\'s extra keys before shape, dtype and data', () => {
    const body = { outputs: { t: { name: 'w', 2: 'two', ...raw('float64', [2], [7, 9]) } } };
    expect(smallJsonAnswer(body)).toBe(general(body));
  });

  it('declines what it does not handle, and the general path still answers or raises', () => {
    const big = { outputs: { x: raw('float32', [5000], [1]) } };
    expect(smallJsonAnswer(big)).toBeUndefined();
    expect(general(big).length).toBeGreaterThan(5000);
    const wrong = { outputs: { x: { dtype: 'float32', shape: [3], data: new Uint8Array(8) } } };
    expect(smallJsonAnswer(wrong)).toBeUndefined();
    expect(() => general(wrong)).toThrow(/needs 12/);
    expect(smallJsonAnswer({ outputs: { when: new Date(0) } })).toBeUndefined();
    expect(smallJsonAnswer({ outputs: { raw: new Float32Array(2) } })).toBeUndefined();
    let deep: unknown = raw('bool', [1], [1]);
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(smallJsonAnswer({ outputs: { deep } })).toBeUndefined();
  });
});
