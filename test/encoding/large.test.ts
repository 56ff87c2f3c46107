// 1M-element smoke test: correctness only (timings live in bench/encoding.ts).
import { describe, expect, it } from 'vitest';
import { decodeTensor, encodeBinaryResponse, encodeTensor, parseBinaryBody } from '../../src/encoding/index.js';

/** Bitwise equality of two typed arrays (vitest's deep equality is far too slow at 1M). */
function sameBytes(a: ArrayBufferView | undefined, b: ArrayBufferView): boolean {
  if (!a) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const ROWS = 1000;
const COLS = 1000;
const N = ROWS * COLS;

describe('1M elements', () => {
  const src = new Float32Array(N);
  for (let i = 0; i < N; i++) src[i] = i % 997 === 0 ? NaN : Math.sin(i) * 100;
  const opts = { maxElements: N };

  it('json: decode nested and encode back', () => {
    const nested: unknown[] = [];
    for (let r = 0; r < ROWS; r++) {
      const row: (number | string)[] = new Array<number | string>(COLS);
      for (let c = 0; c < COLS; c++) {
        const v = src[r * COLS + c]!;
        row[c] = Number.isNaN(v) ? 'NaN' : v;
      }
      nested.push(row);
    }
    const t = decodeTensor(nested, '/x', opts);
    expect(t.shape).toEqual([ROWS, COLS]);
    expect(sameBytes(t.data, src)).toBe(true);
    const e = encodeTensor({ dtype: 'float32', shape: t.shape, data: t.data! }, 'json');
    const out = e.data as (number | string)[][];
    expect(out.length).toBe(ROWS);
    let bad = 0;
    for (let r = 0; r < ROWS; r++) {
      const a = out[r]!;
      const b = nested[r] as (number | string)[];
      if (a.length !== COLS) bad++;
      for (let c = 0; c < COLS; c++) if (!Object.is(a[c], b[c])) bad++;
    }
    expect(bad).toBe(0);
    expect(() => decodeTensor(nested, '/x', { maxElements: N - 1 })).toThrow(/over the limit/);
  });

  it('json: flat data with a shape', () => {
    const flat = Array.from(src, (v) => (Number.isNaN(v) ? 'NaN' : v));
    const t = decodeTensor({ data: flat, shape: [ROWS, COLS] }, '/x', opts);
    expect(sameBytes(t.data, src)).toBe(true);
  });

  it('base64 both ways', () => {
    const e = encodeTensor({ dtype: 'float32', shape: [ROWS, COLS], data: src.buffer }, 'base64');
    const t = decodeTensor(e, '/x', opts);
    expect(sameBytes(t.data, src)).toBe(true);
  });

  it('binary both ways', () => {
    const buf = encodeBinaryResponse({ x: { dtype: 'float32', shape: [ROWS, COLS], data: src.buffer } });
    const { header, data } = parseBinaryBody(buf);
    const t = decodeTensor((header as { x: unknown }).x, '/x', { ...opts, binary: data });
    expect(sameBytes(t.data, src)).toBe(true);
  });
});
