// encodeResponseBytes: the same bytes as JSON.stringify(encodeResponse(...)),
// whatever the body holds (names are the client's, so they may look like
// anything, placeholders and JSON syntax included); and JSON answers keep
// the PACKED arrays that JSON.stringify serialises on its fast path.
import { describe, expect, it } from 'vitest';
import { encodeResponse, encodeResponseBytes, encodeTensor, type TensorEncoding } from '../../src/encoding/index.js';

/** Both encodings, or the one given. */
function same(body: Record<string, unknown>, encodings: TensorEncoding[] = ['base64', 'json']): void {
  for (const encoding of encodings) {
    const want = Buffer.from(JSON.stringify(encodeResponse(body, encoding)), 'utf8');
    const got = encodeResponseBytes(body, encoding);
    expect(got.toString('utf8')).toBe(want.toString('utf8'));
    expect(got.equals(want)).toBe(true);
  }
}

const f32 = (...v: number[]) => ({ dtype: 'float32', shape: [v.length], data: new Float32Array(v) });

describe('encodeResponseBytes', () => {
  it('one tensor, every dtype, 0-d and empty tensors', () => {
    same({ outputs: { y: f32(1, -2, 3.5, NaN) } });
    same({ outputs: { a: { dtype: 'float64', shape: [2, 2], data: new Float64Array([1, 2, 3, 4]).buffer } } });
    same({ outputs: { i: { dtype: 'int64', shape: [3], data: new BigInt64Array([1n, -2n, 2n ** 60n]) } } });
    same({ outputs: { b: { dtype: 'bool', shape: [5], data: new Uint8Array([1, 0, 1, 1, 0]) } } });
    same({ outputs: { s: { dtype: 'float32', shape: [], data: new Float32Array([7]) } } });
    same({ outputs: { e: { dtype: 'float32', shape: [0, 3], data: new Float32Array(0) } } });
    // 1, 2 and 3 bytes modulo 3: every padding of base64.
    for (const n of [1, 2, 3, 4, 5]) same({ outputs: { u: { dtype: 'bool', shape: [n], data: new Uint8Array(n).fill(1) } } });
  });

  it('many tensors, arrays of tensors, other values and extra keys kept in order', () => {
    same({
      outputs: { y: f32(1, 2), list: [f32(3), null, f32(4, 5)], z: null },
      grads: { w: { ...f32(0.1, 0.2), note: 'kept' } },
      loss: 1.5,
      names: ['a', 'b'],
    });
  });

  it('names that look like placeholders, JSON syntax or base64 fields', () => {
    const nasty = ['"base64":"', 'gs-b64-00000000000000000000000000000000:0', '\\', '"', 'ü€😀', '\u0000\u001f', '__proto__', '0', '10', 'base64'];
    const outputs: Record<string, unknown> = Object.create(null);
    nasty.forEach((n, i) => (outputs[n] = f32(i, -i)));
    same({ outputs, [nasty[1]!]: nasty[0], note: 'gs-b64-' });
  });

  it('views at any offset of a larger buffer', () => {
    const buf = new ArrayBuffer(64);
    new Uint8Array(buf).forEach((_, i, a) => (a[i] = i * 7));
    same({ outputs: { v: { dtype: 'bool', shape: [5], data: new Uint8Array(buf, 3, 5) }, w: { dtype: 'float32', shape: [3], data: new Float32Array(buf, 8, 3) } } });
  });

  it('json: non-finite values, nested lists, a placeholder-like name for the data member', () => {
    same({ outputs: { y: f32(1, NaN, -Infinity), l: [f32(2)], 'gs-data-00000000000000000000000000000000:0': f32(3) } }, ['json']);
  });

  it('JSON text over 2 GiB is a 413 naming the other encodings, refused before anything is allocated for it', () => {
    const data = new Uint8Array(30_000_000); // three 30M-element bool tensors on it: ~2.3 GB of text at most
    const t = { dtype: 'bool', shape: [30_000_000], data };
    expect(() => encodeResponseBytes({ outputs: { a: t, b: t, c: t } }, 'json')).toThrow(expect.objectContaining({ status: 413, message: expect.stringMatching(/too large to write as JSON; ask for "encoding": "base64"/) }));
  });

  it('a data length that does not match the shape is an internal error, for both encodings', () => {
    for (const encoding of ['base64', 'json'] as const)
      expect(() => encodeResponseBytes({ outputs: { y: { dtype: 'float32', shape: [3], data: new Float32Array(2) } } }, encoding)).toThrow(/8 bytes but shape \[3\] of float32 needs 12/);
  });

  it('a 1M-element answer decodes to the same floats', () => {
    const x = new Float32Array(1_000_000).map((_, i) => Math.sin(i));
    const body = { outputs: { y: { dtype: 'float32', shape: [1000, 1000], data: x.buffer } } };
    const got = JSON.parse(encodeResponseBytes(body, 'base64').toString('utf8'));
    const bytes = Buffer.from(got.outputs.y.base64, 'base64');
    expect(Buffer.compare(bytes, Buffer.from(x.buffer))).toBe(0);
    expect(got.outputs.y.shape).toEqual([1000, 1000]);
    const nested = JSON.parse(encodeResponseBytes(body, 'json').toString('utf8'));
    expect(Buffer.compare(Buffer.from(new Float32Array(nested.outputs.y.data.flat()).buffer), Buffer.from(x.buffer))).toBe(0);
    same(body, ['json']);
  });
});

describe('json answers are packed arrays', () => {
  // Not observable from JS directly; what is: rows are real arrays with every
  // index present (no holes), for every dtype and rank.
  it('no holes, every dtype and rank', () => {
    const cases = [
      encodeTensor({ dtype: 'float32', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, NaN, 6]) }, 'json'),
      encodeTensor({ dtype: 'float64', shape: [4], data: new Float64Array([1, 0.5, Infinity, 2]) }, 'json'),
      encodeTensor({ dtype: 'int64', shape: [1, 2], data: new BigInt64Array([3n, -4n]) }, 'json'),
      encodeTensor({ dtype: 'bool', shape: [2, 1, 2], data: new Uint8Array([1, 0, 0, 1]) }, 'json'),
    ];
    const check = (d: unknown): void => {
      if (!Array.isArray(d)) return;
      for (let i = 0; i < d.length; i++) {
        expect(i in d).toBe(true);
        check(d[i]);
      }
    };
    cases.forEach((c) => check(c.data));
    expect(cases.map((c) => c.data)).toEqual([[[1, 2, 3], [4, 'NaN', 6]], [1, 0.5, 'Infinity', 2], [[3, -4]], [[[true, false]], [[false, true]]]]);
  });
});
