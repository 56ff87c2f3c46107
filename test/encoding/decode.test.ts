import { describe, expect, it } from 'vitest';
import { decodeTensor, type DecodeOptions } from '../../src/encoding/index.js';
import { expectProblem, T } from './helpers.js';

const opts: DecodeOptions = { maxElements: 1_000_000 };
const P = '/inputs/x';

function dec(v: unknown, o: Partial<DecodeOptions> = {}) {
  return decodeTensor(v, P, { ...opts, ...o });
}

function b64(a: ArrayBufferView): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

describe('numbers, strings and booleans', () => {
  it('a number is a 0-d float32', () => {
    const t = dec(2.5);
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data as Float32Array)).toEqual([2.5]);
    expect(t.requiresGrad).toBe(false);
  });

  it('float32 stores the float32 rounding of the value', () => {
    expect((dec(0.1).data as Float32Array)[0]).toBe(Math.fround(0.1));
  });

  it('keeps -0', () => {
    expect(Object.is((dec(-0).data as Float32Array)[0], -0)).toBe(true);
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
  ])('the string %s is a number', (s, v) => {
    const t = dec(s);
    expect(t.shape).toEqual([]);
    expect((t.data as Float32Array)[0]).toBe(v);
  });

  it('other strings are not tensors (400)', () => {
    expectProblem(() => dec('nan'), 400, { type: T.invalidRequest, path: P });
    expectProblem(() => dec('1.5'), 400, { type: T.invalidRequest, path: P });
  });

  it('null and other JSON types are not tensors (400)', () => {
    expectProblem(() => dec(null), 400, { type: T.invalidRequest, path: P, message: 'null' });
    expectProblem(() => dec(undefined), 400, { type: T.invalidRequest, path: P });
  });

  it('a boolean is a 0-d bool', () => {
    const t = dec(true);
    expect(t.dtype).toBe('bool');
    expect(t.shape).toEqual([]);
    expect(t.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(t.data as Uint8Array)).toEqual([1]);
    expect(Array.from(dec(false).data as Uint8Array)).toEqual([0]);
  });

  it('defaultDtype applies to numbers', () => {
    const t = dec(3, { defaultDtype: 'int64' });
    expect(t.dtype).toBe('int64');
    expect(Array.from(t.data as BigInt64Array)).toEqual([3n]);
    expectProblem(() => dec(2.5, { defaultDtype: 'int64' }), 422, {
      type: T.invalidValue,
      path: P,
      message: 'int64 values must be integers (got 2.5)',
    });
  });
});

describe('nested arrays', () => {
  it('infers the shape', () => {
    const t = dec([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('3-d', () => {
    const t = dec([
      [[1], [2]],
      [[3], [4]],
      [[5], [6]],
    ]);
    expect(t.shape).toEqual([3, 2, 1]);
    expect(Array.from(t.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('empty arrays', () => {
    expect(dec([]).shape).toEqual([0]);
    expect(dec([[], []]).shape).toEqual([2, 0]);
    expect((dec([[], []]).data as Float32Array).length).toBe(0);
    expectProblem(() => dec([[], [1]]), 422, { type: T.shapeMismatch, path: `${P}/1` });
    expectProblem(() => dec([[], 1]), 422, { type: T.shapeMismatch, path: `${P}/1` });
  });

  it('non-finite strings and booleans inside', () => {
    const t = dec(['NaN', 'Infinity', '-Infinity', true, false, 2]);
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.data as Float32Array)).toEqual([NaN, Infinity, -Infinity, 1, 0, 2]);
  });

  it('ragged rows are a 422 with PyTorch message', () => {
    expectProblem(() => dec([[1, 2], [3]]), 422, {
      type: T.shapeMismatch,
      path: `${P}/1`,
      message: 'expected sequence of length 2 at dim 1 (got 1)',
    });
    expectProblem(() => dec([[[1, 2], [3, 4]], [[1, 2], [3, 4, 5]]]), 422, {
      type: T.shapeMismatch,
      path: `${P}/1/1`,
      message: 'expected sequence of length 2 at dim 2 (got 3)',
    });
  });

  it('a number where a row is expected, and a row where a number is expected', () => {
    expectProblem(() => dec([[1, 2], 3]), 422, {
      type: T.shapeMismatch,
      path: `${P}/1`,
      message: 'expected sequence of length 2 at dim 1 (got the number 3)',
    });
    expectProblem(() => dec([1, [2]]), 422, { type: T.shapeMismatch, path: `${P}/1` });
  });

  it('a non-number element is a 422 naming its path', () => {
    expectProblem(() => dec([[1, 2], [3, 'x']]), 422, { type: T.invalidValue, path: `${P}/1/1`, message: 'the string "x"' });
    expectProblem(() => dec([1, null]), 422, { type: T.invalidValue, path: `${P}/1` });
    expectProblem(() => dec([1, {}]), 422, { type: T.invalidValue, path: `${P}/1` });
    expectProblem(() => dec(['nan']), 422, { type: T.invalidValue, path: `${P}/0` });
  });

  it('booleans alone infer bool; mixed with numbers they are 1/0 of the numeric dtype', () => {
    const b = dec([
      [true, false],
      [false, true],
    ]);
    expect(b.dtype).toBe('bool');
    expect(Array.from(b.data as Uint8Array)).toEqual([1, 0, 0, 1]);
    const f = dec([true, 2.5]);
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.data as Float32Array)).toEqual([1, 2.5]);
    const n = dec([[true, false], [false, 'NaN']]);
    expect(n.dtype).toBe('float32');
    expect(Array.from(n.data as Float32Array)).toEqual([1, 0, 0, NaN]);
    const i = dec([true, 7], { defaultDtype: 'int64' });
    expect(i.dtype).toBe('int64');
    expect(Array.from(i.data as BigInt64Array)).toEqual([1n, 7n]);
  });

  it('nesting up to 32 levels is fine, deeper is a 422', () => {
    let v: unknown = 1;
    for (let i = 0; i < 32; i++) v = [v];
    expect(dec(v).shape).toEqual(new Array(32).fill(1));
    expectProblem(() => dec([v]), 422, { type: T.invalidValue, path: P, message: 'deeper than 32' });
    // Very deep nesting stops at the limit, without recursing.
    let deep: unknown = 0;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expectProblem(() => dec(deep), 422, { type: T.invalidValue });
  });

  it('more elements than maxElements is a 413', () => {
    expectProblem(() => dec([1, 2, 3, 4, 5], { maxElements: 4 }), 413, { type: T.tooLarge, path: P, message: 'MAX_TENSOR_ELEMENTS' });
    const rows = Array.from({ length: 100 }, () => new Array<number>(100).fill(0));
    expectProblem(() => dec(rows, { maxElements: 9999 }), 413, { type: T.tooLarge });
    expect(dec(rows, { maxElements: 10000 }).shape).toEqual([100, 100]);
  });
});

describe('object form with data', () => {
  it('nested data with dtype and requires_grad', () => {
    const t = dec({ data: [[1, 2], [3, 4]], dtype: 'float64', requires_grad: true });
    expect(t.dtype).toBe('float64');
    expect(t.shape).toEqual([2, 2]);
    expect(t.data).toBeInstanceOf(Float64Array);
    expect(Array.from(t.data as Float64Array)).toEqual([1, 2, 3, 4]);
    expect(t.requiresGrad).toBe(true);
  });

  it('scalar data', () => {
    const t = dec({ data: 2.0, requires_grad: true });
    expect(t.shape).toEqual([]);
    expect(t.dtype).toBe('float32');
    expect(t.requiresGrad).toBe(true);
    expect(dec({ data: 'Infinity', dtype: 'float64' }).data).toEqual(new Float64Array([Infinity]));
  });

  it('flat data with shape', () => {
    const t = dec({ data: [1, 2, 3, 4, 5, 6], shape: [2, 3] });
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(dec({ data: [5], shape: [] }).shape).toEqual([]);
    expect(dec({ data: [], shape: [0, 3] }).shape).toEqual([0, 3]);
    expect(dec({ data: [], shape: [2, 0, 3] }).shape).toEqual([2, 0, 3]);
  });

  it('flat data without shape is 1-d', () => {
    expect(dec({ data: [1, 2, 3, 4] }).shape).toEqual([4]);
  });

  it('nested data with an agreeing shape', () => {
    expect(dec({ data: [[1, 2], [3, 4]], shape: [2, 2] }).shape).toEqual([2, 2]);
  });

  it('shape and data that disagree are a 422', () => {
    expectProblem(() => dec({ data: [[1, 2], [3, 4]], shape: [4] }), 422, {
      type: T.shapeMismatch,
      path: `${P}/data`,
      message: 'data has shape [2, 2] but "shape" is [4]',
    });
    expectProblem(() => dec({ data: [1, 2, 3], shape: [2, 2] }), 422, {
      type: T.shapeMismatch,
      path: `${P}/data`,
      message: 'flat data has 3 elements but shape [2, 2] needs 4',
    });
    expectProblem(() => dec({ data: 1, shape: [1] }), 422, { type: T.shapeMismatch });
  });

  it('element errors point into data', () => {
    expectProblem(() => dec({ data: [[1, 2], [3]] }), 422, { type: T.shapeMismatch, path: `${P}/data/1` });
    expectProblem(() => dec({ data: [1, 'a'] }), 422, { type: T.invalidValue, path: `${P}/data/1` });
  });

  it('int64: integers, exact up to 2^53 and beyond, negative', () => {
    const vals = [0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32 + 5, -(2 ** 40) - 3, 2 ** 53, -(2 ** 53), 2 ** 62, -(2 ** 63)];
    const t = dec({ data: vals, dtype: 'int64' });
    expect(t.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(t.data as BigInt64Array)).toEqual(vals.map((v) => BigInt(v)));
  });

  it('int64: non-integers, out of range and non-finite are 422', () => {
    expectProblem(() => dec({ data: [1, 2.5], dtype: 'int64' }), 422, {
      type: T.invalidValue,
      path: `${P}/data/1`,
      message: 'int64 values must be integers (got 2.5)',
    });
    expectProblem(() => dec({ data: [2 ** 63], dtype: 'int64' }), 422, { type: T.invalidValue, message: 'out of range' });
    expectProblem(() => dec({ data: ['NaN'], dtype: 'int64' }), 422, { type: T.invalidValue, path: `${P}/data/0` });
    expectProblem(() => dec({ data: 'Infinity', dtype: 'int64' }), 422, { type: T.invalidValue, path: `${P}/data` });
  });

  it('int64 accepts booleans as 1/0', () => {
    expect(Array.from(dec({ data: [true, false], dtype: 'int64' }).data as BigInt64Array)).toEqual([1n, 0n]);
  });

  it('bool accepts true/false and 0/1 only', () => {
    const t = dec({ data: [true, false, 0, 1], dtype: 'bool' });
    expect(t.dtype).toBe('bool');
    expect(Array.from(t.data as Uint8Array)).toEqual([1, 0, 0, 1]);
    expectProblem(() => dec({ data: [true, 2], dtype: 'bool' }), 422, { type: T.invalidValue, path: `${P}/data/1` });
    expectProblem(() => dec({ data: ['NaN'], dtype: 'bool' }), 422, { type: T.invalidValue, path: `${P}/data/0` });
    expectProblem(() => dec({ data: ['x'], dtype: 'bool' }), 422, { type: T.invalidValue, path: `${P}/data/0` });
  });

  it('an explicit float dtype wins over boolean inference', () => {
    const t = dec({ data: [true, false], dtype: 'float64' });
    expect(t.dtype).toBe('float64');
    expect(Array.from(t.data as Float64Array)).toEqual([1, 0]);
  });

  it('requires_grad needs a floating dtype (422) and a boolean (400)', () => {
    expectProblem(() => dec({ data: [1], dtype: 'int64', requires_grad: true }), 422, {
      type: T.invalidValue,
      path: `${P}/requires_grad`,
    });
    expectProblem(() => dec({ data: [true], requires_grad: true }), 422, { type: T.invalidValue });
    expectProblem(() => dec({ data: [1], requires_grad: 'yes' }), 400, { type: T.invalidRequest, path: `${P}/requires_grad` });
  });

  it('the limit holds for object data too', () => {
    expectProblem(() => dec({ data: [1, 2, 3, 4, 5] }, { maxElements: 4 }), 413, { type: T.tooLarge });
    expectProblem(() => dec({ data: [1], shape: [3, 3] }, { maxElements: 4 }), 413, { type: T.tooLarge, path: `${P}/shape` });
    expectProblem(() => dec({ data: [1], shape: [5] }, { maxElements: 4 }), 413, { type: T.tooLarge, path: `${P}/shape/0` });
  });
});

describe('structural errors (400)', () => {
  it('an object with none of the tensor keys', () => {
    expectProblem(() => dec({}), 400, { type: T.invalidRequest, path: P, message: 'empty object' });
    expectProblem(() => dec({ values: [1, 2] }), 400, { type: T.invalidRequest, path: P, message: '"values"' });
  });

  it('an unknown key beside known ones (a typo must not be ignored)', () => {
    expectProblem(() => dec({ data: [1], requires_gard: true }), 400, { type: T.invalidRequest, path: `${P}/requires_gard` });
  });

  it('an unknown dtype', () => {
    expectProblem(() => dec({ data: [1], dtype: 'float16' }), 400, {
      type: T.invalidRequest,
      path: `${P}/dtype`,
      message: 'unknown dtype the string "float16"',
    });
    expectProblem(() => dec({ data: [1], dtype: 7 }), 400, { type: T.invalidRequest, path: `${P}/dtype` });
  });

  it('a malformed shape', () => {
    expectProblem(() => dec({ data: [1], shape: 'x' }), 400, { type: T.invalidRequest, path: `${P}/shape` });
    expectProblem(() => dec({ data: [1], shape: [-1] }), 400, { type: T.invalidRequest, path: `${P}/shape/0` });
    expectProblem(() => dec({ data: [1], shape: [1, 0.5] }), 400, { type: T.invalidRequest, path: `${P}/shape/1` });
    expectProblem(() => dec({ data: [1], shape: [null] }), 400, { type: T.invalidRequest, path: `${P}/shape/0` });
  });

  it('more than 32 dimensions in a shape is a 422', () => {
    expectProblem(() => dec({ shape: new Array(33).fill(1), base64: '' }), 422, { type: T.invalidValue, path: `${P}/shape` });
  });

  it('two data sources at once', () => {
    expectProblem(() => dec({ data: [1], base64: 'AACAPw==', shape: [1] }), 400, { type: T.invalidRequest, path: P });
  });

  it('shape-only outside a dry run', () => {
    expectProblem(() => dec({ shape: [2], dtype: 'float32' }), 400, { type: T.invalidRequest, path: P, message: 'dry run' });
  });
});

describe('base64 form', () => {
  it('decodes each dtype (little-endian)', () => {
    const f32 = new Float32Array([1.5, -2, NaN, Infinity, 0.1]);
    const t = dec({ shape: [5], dtype: 'float32', base64: b64(f32) });
    expect(t.dtype).toBe('float32');
    expect(t.data).toEqual(f32);
    const f64 = new Float64Array([1.5, -2, 1e300, -Infinity, 0.1, 7]);
    expect(dec({ shape: [2, 3], dtype: 'float64', base64: b64(f64) }).data).toEqual(f64);
    const i64 = new BigInt64Array([1n, -1n, 2n ** 62n, -(2n ** 63n)]);
    expect(dec({ shape: [2, 2], dtype: 'int64', base64: b64(i64) }).data).toEqual(i64);
    const b = new Uint8Array([0, 1, 1, 0]);
    expect(dec({ shape: [4], dtype: 'bool', base64: b64(b) }).data).toEqual(b);
  });

  it('dtype defaults to float32, requires_grad is honoured', () => {
    const t = dec({ shape: [], base64: b64(new Float32Array([3])), requires_grad: true });
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([]);
    expect(t.data).toEqual(new Float32Array([3]));
    expect(t.requiresGrad).toBe(true);
  });

  it('the result is in its own aligned buffer', () => {
    const t = dec({ shape: [3], dtype: 'float64', base64: b64(new Float64Array([1, 2, 3])) });
    const d = t.data as Float64Array;
    expect(d.byteOffset).toBe(0);
    expect(d.buffer.byteLength).toBe(24);
  });

  it('bool bytes other than 0/1 are normalised to 1', () => {
    expect(dec({ shape: [3], dtype: 'bool', base64: b64(new Uint8Array([0, 2, 255])) }).data).toEqual(new Uint8Array([0, 1, 1]));
  });

  it('empty tensors', () => {
    expect(dec({ shape: [0, 4], dtype: 'float32', base64: '' }).shape).toEqual([0, 4]);
  });

  it('a byte length that does not match the shape is a 422', () => {
    expectProblem(() => dec({ shape: [3], dtype: 'float32', base64: b64(new Float32Array([1, 2])) }), 422, {
      type: T.shapeMismatch,
      path: `${P}/base64`,
      message: 'base64 data has 8 bytes but shape [3] of float32 needs 12',
    });
    expectProblem(() => dec({ shape: [1], dtype: 'float32', base64: 'AAAAA' }), 422, { type: T.invalidValue });
  });

  it('characters outside the alphabet are a 422', () => {
    // 8 characters = 6 bytes = 3 bools... with a bad character in the middle.
    expectProblem(() => dec({ shape: [6], dtype: 'bool', base64: 'AAA!AAAA' }), 422, { type: T.invalidValue, path: `${P}/base64` });
    expectProblem(() => dec({ shape: [6], dtype: 'bool', base64: 'AA==AAAA' }), 422, { type: T.invalidValue });
    expectProblem(() => dec({ shape: [6], dtype: 'bool', base64: 'AAAAAéAA' }), 422, { type: T.invalidValue });
  });

  it('a non-string or a missing shape is a 400', () => {
    expectProblem(() => dec({ shape: [1], base64: 5 }), 400, { type: T.invalidRequest, path: `${P}/base64` });
    expectProblem(() => dec({ dtype: 'float32', base64: 'AACAPw==' }), 400, { type: T.invalidRequest, path: P });
  });

  it('a huge claimed shape is refused before allocating or decoding', () => {
    // Over the limit: 413 from the shape alone.
    expectProblem(() => dec({ shape: [1e9], dtype: 'float32', base64: 'AAAA' }), 413, { type: T.tooLarge });
    expectProblem(() => dec({ shape: [100000, 100000], dtype: 'float32', base64: 'AAAA' }), 413, { type: T.tooLarge });
    expectProblem(() => dec({ shape: [0, 1e12], base64: '' }), 413, { type: T.tooLarge, path: `${P}/shape/1` });
    // Under an absurd limit: the length check fails first. Allocating 4 TB
    // would throw a RangeError instead, so a 422 proves nothing was allocated.
    expectProblem(
      () => dec({ shape: [1e12], dtype: 'float32', base64: 'AAAA' }, { maxElements: Number.MAX_SAFE_INTEGER }),
      422,
      { type: T.shapeMismatch, message: 'base64 data has 3 bytes' },
    );
  });
});

describe('data_offsets form (binary framing)', () => {
  const payload = new Uint8Array(40);
  new Float32Array(payload.buffer, 0, 2).set([1.5, -2]);
  new Uint8Array(payload.buffer, 9, 8).set(new Uint8Array(new Float64Array([0.1]).buffer)); // unaligned at 9

  it('copies the bytes at the offsets', () => {
    const t = dec({ dtype: 'float32', shape: [2], data_offsets: [0, 8] }, { binary: payload });
    expect(t.data).toEqual(new Float32Array([1.5, -2]));
    expect((t.data as Float32Array).buffer).not.toBe(payload.buffer);
  });

  it('handles unaligned offsets by copying', () => {
    const t = dec({ dtype: 'float64', shape: [], data_offsets: [9, 17] }, { binary: payload });
    expect(t.data).toEqual(new Float64Array([0.1]));
    expect((t.data as Float64Array).byteOffset).toBe(0);
  });

  it('needs a binary body (400)', () => {
    expectProblem(() => dec({ dtype: 'float32', shape: [2], data_offsets: [0, 8] }), 400, {
      type: T.invalidRequest,
      path: `${P}/data_offsets`,
    });
  });

  it('malformed or out-of-bounds offsets are a 400', () => {
    const bad = [[0], [0, 8, 9], [-1, 7], [8, 0], [0.5, 8], 'x', [0, '8']];
    for (const o of bad) {
      expectProblem(() => dec({ dtype: 'float32', shape: [2], data_offsets: o }, { binary: payload }), 400, {
        type: T.invalidRequest,
        path: `${P}/data_offsets`,
      });
    }
    expectProblem(() => dec({ dtype: 'float32', shape: [2], data_offsets: [36, 44] }, { binary: payload }), 400, {
      type: T.invalidRequest,
      message: 'past the end of the 40-byte data buffer',
    });
  });

  it('a byte count that does not match the shape is a 422', () => {
    expectProblem(() => dec({ dtype: 'float32', shape: [3], data_offsets: [0, 8] }, { binary: payload }), 422, {
      type: T.shapeMismatch,
      path: `${P}/data_offsets`,
    });
  });

  it('a huge claimed shape is a 413 before anything else', () => {
    expectProblem(() => dec({ dtype: 'float32', shape: [1e9], data_offsets: [0, 8] }, { binary: payload }), 413, {
      type: T.tooLarge,
    });
  });
});

describe('shape-only (dry-run) inputs', () => {
  it('have no data', () => {
    const t = dec({ shape: [256, 784], dtype: 'float64' }, { allowMeta: true });
    expect(t).toEqual({ dtype: 'float64', shape: [256, 784], data: undefined, requiresGrad: false });
    expect(dec({ shape: [3] }, { allowMeta: true }).dtype).toBe('float32');
    expect(dec({ shape: [3], requires_grad: true }, { allowMeta: true }).requiresGrad).toBe(true);
  });

  it('still obey the limits', () => {
    expectProblem(() => dec({ shape: [1e9], dtype: 'float32' }, { allowMeta: true }), 413, { type: T.tooLarge });
  });

  it('need a shape', () => {
    expectProblem(() => dec({ dtype: 'float32' }, { allowMeta: true }), 400, { type: T.invalidRequest, path: P });
  });

  it('other forms still carry data in a dry run', () => {
    expect(dec([1, 2], { allowMeta: true }).data).toEqual(new Float32Array([1, 2]));
  });
});
