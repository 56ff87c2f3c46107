import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeTensor,
  encodeBinaryResponse,
  encodeTensor,
  parseBinaryBody,
  type NestedData,
} from '../../src/encoding/index.js';
import { ProblemError } from '../../src/errors.js';

type Wire = number | string | Wire[];

/** Row-major nesting of `flat` into `shape` (a bare value for 0-d). */
function nest<V>(flat: V[], shape: number[]): unknown {
  let k = 0;
  const go = (d: number): unknown => {
    if (d === shape.length) return flat[k++];
    return Array.from({ length: shape[d]! }, () => go(d + 1));
  };
  return go(0);
}

const toWire = (v: number): number | string => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);

/** A shape (dims >= minDim) and row-major values from `value`. */
function tensorArb<V>(value: fc.Arbitrary<V>, minDim: number) {
  return fc
    .array(fc.integer({ min: minDim, max: 4 }), { minLength: 0, maxLength: 4 })
    .chain((shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return fc.tuple(fc.constant(shape), fc.array(value, { minLength: n, maxLength: n }));
    });
}

const opts = { maxElements: 1000 };

describe('properties', () => {
  it('float64: random rectangular nested arrays decode to their shape and encode back identically', () => {
    fc.assert(
      fc.property(tensorArb(fc.double(), 1), ([shape, flat]) => {
        const wire = nest(flat.map(toWire), shape) as Wire;
        const t = decodeTensor({ data: wire, dtype: 'float64' }, '/x', opts);
        expect(t.shape).toEqual(shape);
        expect(t.data).toEqual(new Float64Array(flat));
        const e = encodeTensor({ dtype: 'float64', shape: t.shape, data: t.data! }, 'json');
        expect(e.data).toEqual(wire);
        // and it survives JSON text (except the sign of zero, which JSON.stringify drops)
        const text = JSON.parse(JSON.stringify(e.data)) as NestedData;
        expect(text).toEqual(nest(flat.map((v) => toWire(v === 0 ? 0 : v)), shape));
      }),
      { numRuns: 300 },
    );
  });

  it('float64: flat data with any shape (zero dims included)', () => {
    fc.assert(
      fc.property(tensorArb(fc.double(), 0), ([shape, flat]) => {
        const t = decodeTensor({ data: flat.map(toWire), shape, dtype: 'float64' }, '/x', opts);
        expect(t.shape).toEqual(shape);
        expect(t.data).toEqual(new Float64Array(flat));
        const e = encodeTensor({ dtype: 'float64', shape, data: t.data! }, 'json');
        expect(e.data).toEqual(nest(flat.map(toWire), shape) ?? []);
      }),
      { numRuns: 200 },
    );
  });

  it('float32: float32 values come back exactly', () => {
    fc.assert(
      fc.property(tensorArb(fc.float(), 1), ([shape, flat]) => {
        const wire = nest(flat.map(toWire), shape);
        const t = decodeTensor(wire, '/x', opts);
        expect(t.dtype).toBe('float32');
        expect(t.shape).toEqual(shape);
        expect(encodeTensor({ dtype: 'float32', shape, data: t.data! }, 'json').data).toEqual(wire);
      }),
      { numRuns: 200 },
    );
  });

  it('int64: safe integers round-trip through json', () => {
    fc.assert(
      fc.property(tensorArb(fc.maxSafeInteger(), 1), ([shape, flat]) => {
        const wire = nest(flat, shape);
        const t = decodeTensor({ data: wire, dtype: 'int64' }, '/x', opts);
        expect(t.data).toEqual(new BigInt64Array(flat.map((v) => BigInt(v))));
        expect(encodeTensor({ dtype: 'int64', shape, data: t.data! }, 'json').data).toEqual(wire);
      }),
      { numRuns: 200 },
    );
  });

  it('every dtype round-trips bit for bit through base64 and binary', () => {
    const arb = fc.oneof(
      tensorArb(fc.float(), 0).map(([s, v]) => ({ dtype: 'float32' as const, shape: s, data: new Float32Array(v) })),
      tensorArb(fc.double(), 0).map(([s, v]) => ({ dtype: 'float64' as const, shape: s, data: new Float64Array(v) })),
      tensorArb(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), 0).map(([s, v]) => ({
        dtype: 'int64' as const,
        shape: s,
        data: new BigInt64Array(v),
      })),
      tensorArb(fc.boolean(), 0).map(([s, v]) => ({ dtype: 'bool' as const, shape: s, data: new Uint8Array(v.map(Number)) })),
    );
    fc.assert(
      fc.property(arb, (t) => {
        const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
        const b = JSON.parse(JSON.stringify(encodeTensor(t, 'base64'))) as unknown;
        const back = decodeTensor(b, '/x', opts);
        expect(back.shape).toEqual(t.shape);
        expect(bytes(back.data!).equals(bytes(t.data))).toBe(true);
        const { header, data } = parseBinaryBody(encodeBinaryResponse({ t }));
        const back2 = decodeTensor((header as { t: unknown }).t, '/t', { ...opts, binary: data });
        expect(back2.dtype).toBe(t.dtype);
        expect(bytes(back2.data!).equals(bytes(t.data))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('any JSON value either decodes or is a 400/413/422 ProblemError, never another error', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), fc.boolean(), (v, meta) => {
        try {
          const t = decodeTensor(v, '/x', { maxElements: 50, allowMeta: meta, binary: new Uint8Array(16) });
          if (t.data) expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
        } catch (e) {
          expect(e).toBeInstanceOf(ProblemError);
          expect([400, 413, 422]).toContain((e as ProblemError).status);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('any tensor-shaped object with random fields either decodes or is a ProblemError', () => {
    const field = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('float32', 'float64', 'int64', 'bool'));
    const obj = fc.record(
      {
        data: fc.oneof(field, fc.array(fc.oneof(fc.double(), fc.boolean(), fc.constantFrom('NaN', 'x')), { maxLength: 6 })),
        shape: fc.oneof(field, fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 3 })),
        dtype: field,
        requires_grad: fc.oneof(fc.boolean(), field),
        base64: fc.oneof(fc.base64String({ maxLength: 24 }), field),
        data_offsets: fc.oneof(fc.tuple(fc.integer({ min: -2, max: 20 }), fc.integer({ min: -2, max: 20 })), field),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(obj, fc.boolean(), (v, meta) => {
        try {
          decodeTensor(v, '/x', { maxElements: 50, allowMeta: meta, binary: new Uint8Array(16) });
        } catch (e) {
          expect(e).toBeInstanceOf(ProblemError);
          expect([400, 413, 422]).toContain((e as ProblemError).status);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
