// The engine's JSON number writer (native/json_text.cc, addon.jsonAnswer)
// against the text JSON.stringify writes for toNested's values: the same
// bytes for every dtype, for random bit patterns (subnormals, huge values,
// NaN payloads) and for the boundaries of JavaScript's number forms
// (1e21, 1e-7, shortest-digit ties), any rank, empty and 0-d tensors.
import { describe, expect, it } from 'vitest';
import { toNested, type DType } from '../../src/encoding/index.js';
import { loadAddon } from '../../src/native.js';

const addon = loadAddon();

function nativeText(dtype: DType, shape: number[], data: ArrayBufferView): string {
  const out = addon.jsonAnswer(['<', '>'], [{ dtype, shape, data }]);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('latin1');
}

function jsText(dtype: DType, shape: number[], data: ArrayBufferView): string {
  return '<' + JSON.stringify(toNested(dtype, shape, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))) + '>';
}

function same(dtype: DType, shape: number[], data: ArrayBufferView): void {
  expect(nativeText(dtype, shape, data)).toBe(jsText(dtype, shape, data));
}

/** Deterministic 32-bit words (xorshift). */
function words(n: number, seed: number): Uint32Array {
  const w = new Uint32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    w[i] = s >>> 0;
  }
  return w;
}

describe('JSON number text (native) = JSON.stringify of toNested', () => {
  it('float64: 400k random bit patterns, every exponent', () => {
    same('float64', [400_000], new Float64Array(words(800_000, 11).buffer));
  });

  it('float32: 400k random bit patterns, and 100k in each exponent band where the form changes', () => {
    same('float32', [400_000], new Float32Array(words(400_000, 12).buffer));
    // Around 1e-7..1e-6 (2^-24..2^-19), 1, 2^66..2^70 (1e20..1e21) and subnormals, either sign.
    for (const exp of [0, 103, 104, 108, 109, 127, 193, 196, 197]) {
      const bits = words(100_000, exp + 100).map((w) => (w & 0x80000000) | (exp << 23) | (w & 0x7fffff));
      same('float32', [bits.length], new Float32Array(bits.buffer));
    }
  });

  it('boundaries of the number forms, signed zeros, extremes, non-finite values', () => {
    const v = [
      0, -0, 1, -1, 0.5, 1e21, 1e21 * (1 - 2 ** -52), 9.999999999999999e20, 1e-6, 1e-7, 9.99999e-7, 1.5e-7, 123e-20, 1e20, 123456789012345680000,
      Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 2.2250738585072014e-308, 2.225073858507201e-308, 5e-324 * 3, 2 ** 53, 2 ** 53 + 2, -(2 ** 63),
      0.1, 0.2, 0.30000000000000004, 1 / 3, 2 / 3, 100, 1e15, 1e16, 1e17, 123.456, -0.000001, 5e-7, 4.35, 0.000001234, 1.7976931348623157e308,
      NaN, Infinity, -Infinity, 9007199254740993, 4294967296.5, 1e-323,
    ];
    same('float64', [v.length], new Float64Array(v));
    same('float32', [v.length], new Float32Array(v));
    const p10: number[] = [];
    for (let e = -330; e <= 310; e++) p10.push(Number(`1e${e}`), Number(`9.5e${e}`), Number(`1.25e${e}`));
    same('float64', [p10.length], new Float64Array(p10));
    same('float32', [p10.length], new Float32Array(p10));
  });

  it('int64: random words and the extremes (above 2^53 as the nearest double)', () => {
    same('int64', [100_000], new BigInt64Array(words(200_000, 13).buffer));
    const ext = [0n, -1n, 1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 62n + 2n ** 10n + 1n, 10n ** 18n, 999999999999999999n];
    same('int64', [ext.length], new BigInt64Array(ext));
  });

  it('bool: any byte is true unless 0', () => {
    same('bool', [7], new Uint8Array([0, 1, 2, 255, 0, 128, 0]));
  });

  it('shapes: any rank, zero extents anywhere, 0-d, views at an offset', () => {
    const data = new Float32Array(words(120, 14).buffer).map((x) => (Number.isFinite(x) ? x : 0.25));
    for (const shape of [[120], [2, 60], [2, 3, 4, 5], [1, 1, 1, 120], [4, 30, 1]]) same('float32', shape, data);
    for (const shape of [[0], [0, 3], [3, 0], [2, 0, 4], [2, 3, 0], [1, 0]]) same('float64', shape, new Float64Array(0));
    same('float32', [], new Float32Array([0.1]));
    same('int64', [], new BigInt64Array([-5n]));
    same('bool', [], new Uint8Array([1]));
    same('float64', [], new Float64Array([NaN]));
    const buf = new ArrayBuffer(64);
    new Uint8Array(buf).forEach((_, i, a) => (a[i] = (i * 37) & 255));
    same('float64', [3], new Float64Array(buf, 8, 3));
    same('bool', [2, 2], new Uint8Array(buf, 5, 4));
  });

  it('100k dimensions of extent 1 (programs can unsqueeze that often): no recursion to overflow', () => {
    expect(nativeText('bool', new Array(100_000).fill(1), new Uint8Array([1]))).toBe('<' + '['.repeat(100_000) + 'true' + ']'.repeat(100_000) + '>');
    same('float32', new Array(40).fill(1).concat([3]), new Float32Array([1, 2, 3]));
  });

  it('bad arguments are errors with a code, never a crash', () => {
    const t = { dtype: 'float32', shape: [2], data: new Float32Array(2) };
    const bad: Array<[unknown, unknown]> = [
      [['a'], [t]],
      [['a', 'b'], [{ ...t, data: new Float32Array(3) }]],
      [['a', 'b'], [{ ...t, shape: [-1] }]],
      [['a', 'b'], [{ ...t, shape: [2 ** 40, 2 ** 40] }]],
      [['a', 'b'], [{ ...t, dtype: 'float16' }]],
      [['a', 'b'], [{ ...t, data: [1, 2] }]],
      [['a', 2], [t]],
      ['a', [t]],
      [['a', 'b'], [null]],
    ];
    for (const [pieces, tensors] of bad) expect(() => addon.jsonAnswer(pieces as string[], tensors as never)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^GS_/) }));
  });
});
