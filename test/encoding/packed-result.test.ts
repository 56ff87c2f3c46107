// Unit tests of the /v1/graph hot path's pieces: the engine's packed answer
// (worker/packed-result.ts), small inputs packed at 8-byte aligned offsets
// (ir/program-ref.ts jobData), interning (programOf) and the compile cache
// (ir/graph-cache.ts): a hit carries this request's data, never an earlier one's.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { GraphCompiler } from '../../src/ir/graph-cache.js';
import { jobData, programOf, requestData } from '../../src/ir/program-ref.js';
import { unpackResult } from '../../src/worker/packed-result.js';

const cfg = loadConfig({}, { logLevel: 'silent' });

describe('unpackResult', () => {
  it('reads tensors, list slots, empty lists, undefined tensors and gradients', () => {
    // header: [count, bytes, flops, ops] + per entry [slot, pos, dtype, ndim, shape..., offset]
    const entries = [
      [0, -1, 1, 1, 2], // slot 0: float64 [2]
      [3, 0, 3, 0], // slot 3, list item 0: bool 0-d
      [3, 1, 2, 2, 1, 1], // slot 3, list item 1: int64 [1, 1]
      [4, -2, -1, 0], // slot 4: empty list
      [5, -1, 0, 1, 0], // slot 5: float32 [0]
      [-1, -1, 0, 2, 1, 3], // grad 0: float32 [1, 3]
      [-2, -1, -1, 0], // grad 1: undefined
    ];
    const headerLen = 4 + entries.reduce((n, e) => n + e.length + 1, 0);
    const sizes = [16, 1, 8, 0, 0, 12, 0];
    const offsets: number[] = [];
    let off = headerLen * 8;
    for (const sz of sizes) {
      offsets.push(off);
      off += (sz + 7) & ~7;
    }
    const buf = new ArrayBuffer(off);
    const h = new Float64Array(buf, 0, headerLen);
    h.set([entries.length, 123, 456, 7]);
    let k = 4;
    entries.forEach((e, i) => {
      h.set(e, k);
      k += e.length;
      h[k++] = offsets[i]!;
    });
    new Float64Array(buf, offsets[0], 2).set([1.5, -2.25]);
    new Uint8Array(buf, offsets[1], 1)[0] = 1;
    new BigInt64Array(buf, offsets[2], 1)[0] = -5n * 4294967296n - 1n;
    new Float32Array(buf, offsets[5], 3).set([0.5, 1, 2]);

    const r = unpackResult(buf);
    expect(r.cost).toEqual({ bytes: 123, flops: 456, ops: 7 });
    const t0 = r.slots[0] as { shape: number[]; dtype: string; data: Uint8Array };
    expect(t0.shape).toEqual([2]);
    expect(t0.dtype).toBe('float64');
    expect(Array.from(new Float64Array(t0.data.buffer, t0.data.byteOffset, 2))).toEqual([1.5, -2.25]);
    const list = r.slots[3] as Array<{ shape: number[]; dtype: string; data: Uint8Array }>;
    expect(list.length).toBe(2);
    expect(list[0]!.dtype).toBe('bool');
    expect(list[0]!.shape).toEqual([]);
    expect(Array.from(list[0]!.data)).toEqual([1]);
    expect(list[1]!.dtype).toBe('int64');
    expect(list[1]!.shape).toEqual([1, 1]);
    expect(new BigInt64Array(list[1]!.data.buffer, list[1]!.data.byteOffset, 1)[0]).toBe(-5n * 4294967296n - 1n);
    expect(r.slots[4]).toEqual([]);
    const e = r.slots[5] as { shape: number[]; dtype: string; data: Uint8Array };
    expect(e.shape).toEqual([0]);
    expect(e.data.byteLength).toBe(0);
    expect(r.slots[1]).toBeUndefined();
    expect(r.grads.length).toBe(2);
    expect(r.grads[0]!.dtype).toBe('float32');
    expect(r.grads[0]!.shape).toEqual([1, 3]);
    const g = r.grads[0]!.data as Uint8Array;
    expect(Array.from(new Float32Array(g.buffer, g.byteOffset, 3))).toEqual([0.5, 1, 2]);
    expect(r.grads[1]).toBeNull();
  });
});

describe('jobData and the compile cache', () => {
  it('packs small inputs at 8-byte aligned offsets, in input order', () => {
    const compiler = new GraphCompiler(cfg);
    const g = compiler.compile({
      inputs: { m: { data: [true, false, true], dtype: 'bool' }, x: { data: [1.5, -2], dtype: 'float64' }, f: { data: [0.25], dtype: 'float32' }, i: { data: [-7], dtype: 'int64' } },
      program: 'y = where(m, 1.0, 2.0).sum() + x.sum() + f.sum() + i.sum()',
    });
    const packed = jobData(g) as Uint8Array;
    expect(packed).toBeInstanceOf(Uint8Array);
    expect(packed.byteLength).toBe(8 + 16 + 8 + 8);
    expect(Array.from(packed.subarray(0, 3))).toEqual([1, 0, 1]);
    const copy = new Uint8Array(packed).buffer;
    expect(Array.from(new Float64Array(copy, 8, 2))).toEqual([1.5, -2]);
    expect(new Float32Array(copy, 24, 1)[0]).toBe(0.25);
    expect(new BigInt64Array(copy, 32, 1)[0]).toBe(-7n);
  });

  it('interns equal programs as one, whichever input form gave their shapes', () => {
    const program = 'y = (x * 2.0).sum()';
    const nested = new GraphCompiler(cfg).compile({ inputs: { x: [[1, 2, 3], [4, 5, 6]] }, program });
    const flatWithShape = new GraphCompiler(cfg).compile({ inputs: { x: { data: [1, 2, 3, 4, 5, 6], shape: [2, 3] } }, program });
    const base64 = new GraphCompiler(cfg).compile({ inputs: { x: { shape: [2, 3], base64: Buffer.from(new Float32Array(6).buffer).toString('base64') } }, program });
    expect(programOf(flatWithShape).id).toBe(programOf(nested).id);
    expect(programOf(base64).id).toBe(programOf(nested).id);
  });

  it('sends inputs over 64 KiB as separate arrays', () => {
    const compiler = new GraphCompiler(cfg);
    const big = new Float32Array(16_385).fill(1.5);
    const g = compiler.compile({
      inputs: { x: { shape: [big.length], dtype: 'float32', base64: Buffer.from(big.buffer).toString('base64') }, w: [2] },
      program: 'y = x * w',
    });
    const d = jobData(g);
    expect(Array.isArray(d)).toBe(true);
    const arr = d as Float32Array[];
    expect(arr.length).toBe(2);
    expect(arr[0]!.length).toBe(16_385);
    expect(arr[0]![16_384]).toBe(1.5);
    expect(Array.from(arr[1]!)).toEqual([2]);
  });

  it('a cache hit carries its own data, leaves the earlier graph and the constants alone', () => {
    const compiler = new GraphCompiler(cfg);
    const body = (x: number[], go: number[]) => ({
      inputs: { x: { data: x, dtype: 'float64', requires_grad: true } },
      program: 'y = x * 2.5 + [1.0, 2.0]',
      backward: { of: 'y', wrt: ['x'], grad_output: { data: go, dtype: 'float64' } },
    });
    const g1 = compiler.compile(body([1, 2], [1, 1]));
    const g2 = compiler.compile(body([3, 4], [5, 6]));
    expect(g2.program).toBe(g1.program);
    expect(programOf(g2).id).toBe(programOf(g1).id);
    const d1 = requestData(g1).map((d) => Array.from(d as Float64Array));
    const d2 = requestData(g2).map((d) => Array.from(d as Float64Array));
    expect(d1).toEqual([
      [1, 2],
      [1, 1],
    ]);
    expect(d2).toEqual([
      [3, 4],
      [5, 6],
    ]);
    const consts = (g: typeof g1) => g.inputs.filter((i) => i.constant).map((i) => Array.from(i.data as ArrayLike<number>));
    expect(consts(g1)).toEqual([[2.5], [1, 2]]);
    expect(consts(g2)).toEqual([[2.5], [1, 2]]);
    // Different constant, different program.
    const g3 = compiler.compile({ ...body([3, 4], [5, 6]), program: 'y = x * 2.5 + [1.0, 3.0]' });
    expect(programOf(g3).id).not.toBe(programOf(g1).id);
    // Different shape, different program.
    const g4 = compiler.compile({ ...body([3, 4, 5], [5, 6, 7]), program: 'y = x * 2.5' });
    const g5 = compiler.compile({ ...body([3, 4], [5, 6]), program: 'y = x * 2.5' });
    expect(programOf(g4).id).not.toBe(programOf(g5).id);
  });
});
