// The /v1/graph hot path: compiled graphs cached by program + input signature
// (src/ir/graph-cache.ts), programs interned and prepared once per worker
// (program-ref.ts, worker/prepared.ts), small inputs packed into one buffer,
// small jobs batched per event-loop turn (pool.ts), answers packed by the
// engine (worker/packed-result.ts). Every answer here is checked against
// values computed independently in JS, so cross-talk between cached
// requests (stale data, stale constants, a wrong slot, a wrong offset) fails.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { parseBinaryBody } from '../../src/encoding/index.js';
import { GraphCompiler } from '../../src/ir/graph-cache.js';
import { jobData, programOf } from '../../src/ir/program-ref.js';
import { EngineError, JobPool } from '../../src/pool/pool.js';
import { unpackResult } from '../../src/worker/packed-result.js';
import { binaryFrame, close, flat, post, testApp } from '../helpers.js';

// Every test runs twice: tiny programs computed on the main thread (the
// default, src/pool/inline.ts) and every job sent to the worker pool (batched).
describe.each([
  ['tiny jobs inline', {}],
  ['every job on the pool', { inlineMaxFlops: 0 }],
] as const)('%s', (_mode, overrides) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp(overrides);
  });
  afterAll(async () => {
    await app.close();
  });

  const graph = (body: unknown) => post(app, '/v1/graph', body);

  /** Deterministic PRNG (mulberry32): values in [-2, 2) with a few decimals. */
  function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      return Math.round((u * 4 - 2) * 1000) / 1000;
    };
  }

  const matrix = (r: () => number, rows: number, cols: number) => Array.from({ length: rows }, () => Array.from({ length: cols }, r));

  /** n float32 values from rng(seed). */
  function f32(n: number, seed: number): Float32Array {
    const a = new Float32Array(n);
    const r = rng(seed);
    for (let i = 0; i < n; i++) a[i] = r();
    return a;
  }

  /** A request tensor in base64. */
  const b64 = (a: Float32Array, shape: number[]) => ({ shape, dtype: 'float32', base64: Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64') });

  function expectClose(actual: unknown, expected: unknown, msg = '', rtol = 1e-12, atol = 1e-12): void {
    const ok = close(actual, expected, rtol, atol);
    if (!ok) expect({ actual: flat(actual), msg }).toEqual({ actual: flat(expected), msg });
  }

  // y = x * w + b (x, w: [2, 3], b: [3]), loss = sum(y * y), all float64.
  const AFFINE = 'y = x * w + b\nloss = (y * y).sum()';

  function affineBody(seed: number) {
    const r = rng(seed);
    const x = matrix(r, 2, 3);
    const w = matrix(r, 2, 3);
    const b = Array.from({ length: 3 }, r);
    return {
      body: {
        inputs: {
          x: { data: x, dtype: 'float64', requires_grad: true },
          w: { data: w, dtype: 'float64', requires_grad: true },
          b: { data: b, dtype: 'float64', requires_grad: true },
        },
        program: AFFINE,
        outputs: ['y', 'loss'],
      },
      x,
      w,
      b,
    };
  }

  function affineExpected(x: number[][], w: number[][], b: number[]) {
    const y = x.map((row, i) => row.map((v, j) => v * w[i]![j]! + b[j]!));
    const loss = y.flat().reduce((s, v) => s + v * v, 0);
    const dx = y.map((row, i) => row.map((v, j) => 2 * v * w[i]![j]!));
    const dw = y.map((row, i) => row.map((v, j) => 2 * v * x[i]![j]!));
    const db = [0, 1, 2].map((j) => 2 * (y[0]![j]! + y[1]![j]!));
    return { y, loss, dx, dw, db };
  }

  function checkAffine(res: { status: number; body: Record<string, any> }, x: number[][], w: number[][], b: number[], tag: string): void {
    expect(res.status, `${tag}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(200);
    const e = affineExpected(x, w, b);
    expect(res.body.outputs.y.shape).toEqual([2, 3]);
    expect(res.body.outputs.y.dtype).toBe('float64');
    expectClose(res.body.outputs.y.data, e.y, `${tag} y`);
    expect(res.body.outputs.loss.shape).toEqual([]);
    expectClose(res.body.outputs.loss.data, e.loss, `${tag} loss`);
    expect(Object.keys(res.body.grads).sort()).toEqual(['b', 'w', 'x']);
    expectClose(res.body.grads.x.data, e.dx, `${tag} dx`);
    expectClose(res.body.grads.w.data, e.dw, `${tag} dw`);
    expect(res.body.grads.b.shape).toEqual([3]);
    expectClose(res.body.grads.b.data, e.db, `${tag} db`);
  }

  describe('same program, new data each time', () => {
    it('answers each of 12 sequential requests for its own data', async () => {
      for (let s = 1; s <= 12; s++) {
        const { body, x, w, b } = affineBody(s);
        checkAffine(await graph(body), x, w, b, `seq ${s}`);
      }
    });

    it('answers each of 40 concurrent requests (batched) for its own data', async () => {
      // Warm: the program has run once, so its cost is known and it is batched.
      const warm = affineBody(100);
      checkAffine(await graph(warm.body), warm.x, warm.w, warm.b, 'warm');
      const cases = Array.from({ length: 40 }, (_, i) => affineBody(1000 + i));
      const answers = await Promise.all(cases.map((c) => graph(c.body)));
      answers.forEach((res, i) => checkAffine(res, cases[i]!.x, cases[i]!.w, cases[i]!.b, `concurrent ${i}`));
    });

    it('returns inputs and views of them as outputs: the engine reads request data in place, answers are copies', async () => {
      // x itself, a reshape sharing its storage, and an op result, for many
      // concurrent requests (small, packed inputs) and one large one (its own buffer).
      const body = (x: number[]) => ({ inputs: { x: { data: x, dtype: 'float32' } }, program: 'v = x.reshape(-1, 1)\ny = x * 2', outputs: ['x', 'v', 'y'] });
      const xs = Array.from({ length: 24 }, (_, i) => [i, i + 0.5, -i - 1]);
      xs.push(Array.from({ length: 30_000 }, (_, j) => (j % 97) - 48));
      const answers = await Promise.all(xs.map((x) => graph(body(x))));
      answers.forEach((r, i) => {
        expect(r.status, `request ${i}`).toBe(200);
        const o = r.body.outputs;
        expect(flat(o.x.data), `x ${i}`).toEqual(xs[i]);
        expect(flat(o.v.data), `v ${i}`).toEqual(xs[i]);
        expect(o.v.shape).toEqual([xs[i]!.length, 1]);
        expect(flat(o.y.data), `y ${i}`).toEqual(xs[i]!.map((v) => v * 2));
      });
    });

    it('keeps answers apart when different programs, shapes and failures are batched together', async () => {
      const gatherBody = (idx: number[][]) => ({
        inputs: { x: { data: [[1, 2, 3], [4, 5, 6]], dtype: 'float64' }, idx: { data: idx, dtype: 'int64' } },
        program: 'y = gather(x, 1, idx)',
      });
      // Warm each program once.
      expect((await graph(gatherBody([[0, 0], [0, 0]]))).status).toBe(200);
      expect((await graph({ inputs: { a: [1, 2, 3] }, program: 'y = a * 3 - 1' })).status).toBe(200);
      const w0 = affineBody(7);
      expect((await graph(w0.body)).status).toBe(200);

      const jobs: Array<{ body: unknown; check: (r: Awaited<ReturnType<typeof graph>>) => void }> = [];
      for (let i = 0; i < 48; i++) {
        switch (i % 4) {
          case 0: {
            const c = affineBody(5000 + i);
            jobs.push({ body: c.body, check: (r) => checkAffine(r, c.x, c.w, c.b, `mixed ${i}`) });
            break;
          }
          case 1: {
            const a = [i, -i, i / 4];
            jobs.push({
              body: { inputs: { a }, program: 'y = a * 3 - 1' },
              check: (r) => {
                expect(r.status).toBe(200);
                expect(r.body.outputs.y.dtype).toBe('float32');
                expectClose(r.body.outputs.y.data, a.map((v) => Math.fround(Math.fround(v * 3) - 1)), `mixed ${i}`);
              },
            });
            break;
          }
          case 2: {
            const j = i % 3;
            jobs.push({
              body: gatherBody([[j, 2 - j], [1, j]]),
              check: (r) => {
                expect(r.status).toBe(200);
                expect(r.body.outputs.y.data).toEqual([[[1, 2, 3][j], [1, 2, 3][2 - j]], [5, [4, 5, 6][j]]]);
              },
            });
            break;
          }
          default:
            jobs.push({
              body: gatherBody([[0, 3 + i], [1, 0]]),
              check: (r) => {
                expect(r.status, JSON.stringify(r.body)).toBe(422);
                expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
                expect(r.body.type).toMatch(/index-out-of-range/);
              },
            });
        }
      }
      const answers = await Promise.all(jobs.map((j) => graph(j.body)));
      answers.forEach((r, i) => jobs[i]!.check(r));
    });
  });

  describe('the cache key: shapes, dtypes, requires_grad, outputs, backward', () => {
    it('gives different, correct answers for different shapes of the same program', async () => {
      const prog = 'y = x * w\ns = y.sum()';
      const r1 = await graph({ inputs: { x: { data: [1, 2, 3], dtype: 'float64' }, w: { data: [10, 20, 30], dtype: 'float64' } }, program: prog, outputs: ['y', 's'] });
      const r2 = await graph({ inputs: { x: { data: [[1, 2, 3]], dtype: 'float64' }, w: { data: [[2], [3]], dtype: 'float64' } }, program: prog, outputs: ['y', 's'] });
      const r3 = await graph({ inputs: { x: { data: 4, dtype: 'float64' }, w: { data: 0.5, dtype: 'float64' } }, program: prog, outputs: ['y', 's'] });
      const r4 = await graph({ inputs: { x: { data: [1, 2, 3], dtype: 'float64' }, w: { data: [1, 1, 1], dtype: 'float64' } }, program: prog, outputs: ['y', 's'] });
      expect(r1.body.outputs.y).toEqual({ shape: [3], dtype: 'float64', data: [10, 40, 90] });
      expect(r1.body.outputs.s.data).toBe(140);
      expect(r2.body.outputs.y).toEqual({ shape: [2, 3], dtype: 'float64', data: [[2, 4, 6], [3, 6, 9]] });
      expect(r2.body.outputs.s.data).toBe(30);
      expect(r3.body.outputs.y).toEqual({ shape: [], dtype: 'float64', data: 2 });
      expect(r3.body.outputs.s.data).toBe(2);
      expect(r4.body.outputs.y.data).toEqual([1, 2, 3]);
      expect(r4.body.outputs.s.data).toBe(6);
    });

    it('keeps float32 and float64 apart', async () => {
      const prog = 'y = x * w';
      for (let k = 0; k < 2; k++) {
        const f32 = await graph({ inputs: { x: { data: [0.1, 0.7], dtype: 'float32' }, w: { data: [3, 3], dtype: 'float32' } }, program: prog });
        const f64 = await graph({ inputs: { x: { data: [0.1, 0.7], dtype: 'float64' }, w: { data: [3, 3], dtype: 'float64' } }, program: prog });
        const mixed = await graph({ inputs: { x: { data: [0.1, 0.7], dtype: 'float32' }, w: { data: [3, 3], dtype: 'float64' } }, program: prog });
        expect(f32.body.outputs.y).toEqual({ shape: [2], dtype: 'float32', data: [Math.fround(Math.fround(0.1) * 3), Math.fround(Math.fround(0.7) * 3)] });
        expect(f64.body.outputs.y).toEqual({ shape: [2], dtype: 'float64', data: [0.1 * 3, 0.7 * 3] });
        expect(mixed.body.outputs.y).toEqual({ shape: [2], dtype: 'float64', data: [Math.fround(0.1) * 3, Math.fround(0.7) * 3] });
      }
    });

    it('keeps int64 and float inputs apart (int64 * int64 stays int64)', async () => {
      const prog = 'y = x * x';
      const i = await graph({ inputs: { x: { data: [3, -4], dtype: 'int64' } }, program: prog });
      const f = await graph({ inputs: { x: { data: [1.5, -4], dtype: 'float32' } }, program: prog });
      const i2 = await graph({ inputs: { x: { data: [5, 6], dtype: 'int64' } }, program: prog });
      expect(i.body.outputs.y).toEqual({ shape: [2], dtype: 'int64', data: [9, 16] });
      expect(f.body.outputs.y).toEqual({ shape: [2], dtype: 'float32', data: [2.25, 16] });
      expect(i2.body.outputs.y).toEqual({ shape: [2], dtype: 'int64', data: [25, 36] });
    });

    it('follows requires_grad: grads present or absent, for the right inputs', async () => {
      const prog = 'y = (x * w).sum()';
      const inputs = (gx: boolean, gw: boolean, k: number) => ({
        x: { data: [1 * k, 2 * k], dtype: 'float64', requires_grad: gx },
        w: { data: [5, 7 * k], dtype: 'float64', requires_grad: gw },
      });
      for (let k = 1; k <= 2; k++) {
        const none = await graph({ inputs: inputs(false, false, k), program: prog });
        expect(none.status).toBe(200);
        expect(none.body.grads).toBeUndefined();
        expect(none.body.outputs.y.data).toBe(5 * k + 14 * k * k);
        const onlyW = await graph({ inputs: inputs(false, true, k), program: prog });
        expect(onlyW.body.grads).toEqual({ w: { shape: [2], dtype: 'float64', data: [k, 2 * k] } });
        const onlyX = await graph({ inputs: inputs(true, false, k), program: prog });
        expect(onlyX.body.grads).toEqual({ x: { shape: [2], dtype: 'float64', data: [5, 7 * k] } });
        const both = await graph({ inputs: inputs(true, true, k), program: prog });
        expect(both.body.grads).toEqual({ x: { shape: [2], dtype: 'float64', data: [5, 7 * k] }, w: { shape: [2], dtype: 'float64', data: [k, 2 * k] } });
      }
    });

    it('follows outputs and backward.of / wrt', async () => {
      const prog = 'a = x * w\nb = a * a\nc = b.sum()';
      const inputs = { x: { data: [1, 2], dtype: 'float64' }, w: { data: [3, 4], dtype: 'float64' } };
      const r1 = await graph({ inputs, program: prog, outputs: ['c'] });
      expect(Object.keys(r1.body.outputs)).toEqual(['c']);
      expect(r1.body.outputs.c.data).toBe(9 + 64);
      const r2 = await graph({ inputs, program: prog, outputs: ['a', 'b'] });
      expect(Object.keys(r2.body.outputs)).toEqual(['a', 'b']);
      expect(r2.body.outputs.a.data).toEqual([3, 8]);
      expect(r2.body.outputs.b.data).toEqual([9, 64]);
      // dc/dx = 2 a w, dc/dw = 2 a x
      const r3 = await graph({ inputs, program: prog, outputs: ['c'], backward: { of: 'c', wrt: ['x'] } });
      expect(r3.body.grads).toEqual({ x: { shape: [2], dtype: 'float64', data: [18, 64] } });
      const r4 = await graph({ inputs, program: prog, outputs: ['c'], backward: { of: 'c', wrt: ['w'] } });
      expect(r4.body.grads).toEqual({ w: { shape: [2], dtype: 'float64', data: [6, 32] } });
      const r5 = await graph({ inputs, program: prog, outputs: ['c'], backward: { of: 'c', wrt: ['w', 'x', 'a'] } });
      expect(r5.body.grads).toEqual({
        w: { shape: [2], dtype: 'float64', data: [6, 32] },
        x: { shape: [2], dtype: 'float64', data: [18, 64] },
        a: { shape: [2], dtype: 'float64', data: [6, 16] },
      });
      // backward of a non-scalar with grad_output: different grad_output values, same program
      for (const go of [
        [1, 0],
        [0, 1],
        [0.5, -2],
      ]) {
        const r = await graph({ inputs, program: prog, outputs: ['b'], backward: { of: 'b', wrt: ['x'], grad_output: { data: go, dtype: 'float64' } } });
        expect(r.status).toBe(200);
        expect(r.body.grads.x.data).toEqual([18 * go[0]!, 64 * go[1]!]);
      }
    });

    it('keeps input order and unused inputs straight', async () => {
      const prog = 'y = a - b';
      const ab = await graph({ inputs: { a: [10, 20], b: [1, 2] }, program: prog });
      const ba = await graph({ inputs: { b: [1, 2], a: [10, 20] }, program: prog });
      const ab2 = await graph({ inputs: { a: [100, 200], b: [3, 4] }, program: prog });
      const ba2 = await graph({ inputs: { b: [3, 4], a: [100, 200] }, program: prog });
      expect(ab.body.outputs.y.data).toEqual([9, 18]);
      expect(ba.body.outputs.y.data).toEqual([9, 18]);
      expect(ab2.body.outputs.y.data).toEqual([97, 196]);
      expect(ba2.body.outputs.y.data).toEqual([97, 196]);
      // An input the program never reads still takes its place in the data.
      const u1 = await graph({ inputs: { u: { data: [7, 7, 7], dtype: 'float64' }, x: { data: [1, 2], dtype: 'float64' }, v: true }, program: 'y = x * 2' });
      const u2 = await graph({ inputs: { u: { data: [8, 8, 8], dtype: 'float64' }, x: { data: [5, 6], dtype: 'float64' }, v: false }, program: 'y = x * 2' });
      expect(u1.body.outputs.y.data).toEqual([2, 4]);
      expect(u2.body.outputs.y.data).toEqual([10, 12]);
    });

    it('a program sent again with a grad_output, as a dry run, or with a node list too, is not the cached request', async () => {
      const prog = 'y = x * 3';
      const x = { data: [1, 2], requires_grad: true };
      for (let i = 0; i < 2; i++) expect((await graph({ inputs: { x }, program: prog, backward: { of: 'y', wrt: ['x'], grad_output: [1, 1] } })).body.grads.x.data).toEqual([3, 3]);
      const go = await graph({ inputs: { x }, program: prog, backward: { of: 'y', wrt: ['x'], grad_output: [2, -1] } });
      expect(go.body.grads.x.data).toEqual([6, -3]);
      const dry = await graph({ inputs: { x }, program: prog, backward: { of: 'y', wrt: ['x'], grad_output: [2, -1] }, dry_run: true });
      expect(dry.status).toBe(200);
      expect(dry.body.outputs.y).toEqual({ shape: [2], dtype: 'float32' });
      const both = await graph({ inputs: { x }, program: prog, nodes: [{ id: 'y', op: 'mul', args: ['x', 3] }], backward: { of: 'y', wrt: ['x'], grad_output: [2, -1] } });
      expect(both.status).toBe(400);
      expect(both.body.detail).toMatch(/either as 'program' or as 'nodes', not both/);
    });
  });

  describe('constants of the program', () => {
    it('are the same on every run: literals, inf, nan, a constant output', async () => {
      const program = [
        'y = x * 2.5 + [[1.0, 2.0]]',
        "z = maximum(x, [[float('-inf'), float('-inf')]])",
        'q = minimum(x * 0 - inf, x)',
        'n = x + nan',
        "p = minimum(x, float('inf'))",
        'c = [[1.0, 2.0]]',
        'k = (x * 0.5 + [[10.0, 20.0]]).sum()',
      ].join('\n');
      const body = (x: number[][]) => ({ inputs: { x: { data: x, requires_grad: true } }, program, outputs: ['y', 'z', 'n', 'p', 'c', 'q', 'k'], backward: { of: 'k', wrt: ['x'] } });
      const xs = [
        [[1, -1]],
        [[0.5, 4]],
        [[-3, 0]],
      ];
      const f = Math.fround;
      const check = (r: { status: number; body: Record<string, any> }, x: number[][]) => {
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        const o = r.body.outputs;
        expect(o.y).toEqual({ shape: [1, 2], dtype: 'float32', data: [[f(f(x[0]![0]! * 2.5) + 1), f(f(x[0]![1]! * 2.5) + 2)]] });
        expect(o.z).toEqual({ shape: [1, 2], dtype: 'float32', data: [x[0]] });
        expect(o.n).toEqual({ shape: [1, 2], dtype: 'float32', data: [['NaN', 'NaN']] });
        expect(o.p).toEqual({ shape: [1, 2], dtype: 'float32', data: [x[0]] });
        expect(o.c).toEqual({ shape: [1, 2], dtype: 'float32', data: [[1, 2]] });
        expect(o.q).toEqual({ shape: [1, 2], dtype: 'float32', data: [['-Infinity', '-Infinity']] });
        expect(o.k.dtype).toBe('float32');
        expectClose(o.k.data, x[0]![0]! * 0.5 + 10 + x[0]![1]! * 0.5 + 20, 'k', 1e-6, 1e-6);
        expect(r.body.grads.x).toEqual({ shape: [1, 2], dtype: 'float32', data: [[0.5, 0.5]] });
      };
      for (let round = 0; round < 3; round++) for (const x of xs) check(await graph(body(x)), x);
      const many = Array.from({ length: 24 }, (_, i) => xs[i % 3]!);
      const answers = await Promise.all(many.map((x) => graph(body(x))));
      answers.forEach((r, i) => check(r, many[i]!));
    });

    it('distinguishes programs that differ only in a constant', async () => {
      const x = { data: [1, 2], dtype: 'float64' };
      const progs: Array<[string, number[]]> = [
        ['y = x * 2.5', [2.5, 5]],
        ['y = x * 3.5', [3.5, 7]],
        ['y = x * 2.5', [2.5, 5]],
        ['y = x + [1.0, 2.0]', [2, 4]],
        ['y = x + [1.0, 3.0]', [2, 5]],
        ['y = x * -0.0 + 1 / (x * 0.0 - 0.0)', [Infinity, Infinity]],
        ['y = x * 0.0 + 1 / (x * -0.0 + -0.0)', [-Infinity, -Infinity]],
      ];
      for (let round = 0; round < 2; round++)
        for (const [p, expected] of progs) {
          const r = await graph({ inputs: { x }, program: p });
          expect(r.status).toBe(200);
          expect(flat(r.body.outputs.y.data), p).toEqual(expected);
        }
    });
  });

  describe('value-dependent errors after a cached success', () => {
    it('gather: 200, then 422 for an out-of-range index, then 200 again', async () => {
      const body = (idx: number[][]) => ({
        inputs: { x: { data: [[1, 2, 3], [4, 5, 6]], dtype: 'float64', requires_grad: true }, idx: { data: idx, dtype: 'int64' } },
        program: 'y = gather(x, 1, idx)\ns = y.sum()',
        outputs: ['y', 's'],
      });
      const ok1 = await graph(body([[0, 2], [1, 0]]));
      expect(ok1.status).toBe(200);
      expect(ok1.body.outputs.y.data).toEqual([[1, 3], [5, 4]]);
      expect(ok1.body.grads.x.data).toEqual([[1, 0, 1], [1, 1, 0]]);
      for (const bad of [[[0, 3], [1, 0]], [[0, 0], [-4, 0]], [[0, 0], [1, 1000000]]]) {
        const r = await graph(body(bad));
        expect(r.status, JSON.stringify(r.body)).toBe(422);
        expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(r.body.type).toMatch(/index-out-of-range/);
        expect(r.body.path ?? r.body.instance ?? JSON.stringify(r.body)).toMatch(/program/);
      }
      const ok2 = await graph(body([[2, 2], [0, 2]]));
      expect(ok2.status).toBe(200);
      expect(ok2.body.outputs.y.data).toEqual([[3, 3], [4, 6]]);
      expect(ok2.body.outputs.s.data).toBe(16);
      expect(ok2.body.grads.x.data).toEqual([[0, 0, 2], [1, 0, 1]]);
    });

    it('index_select and x[idx]: 200, 422, 200', async () => {
      for (const program of ['y = index_select(x, 0, idx)', 'y = x[idx]']) {
        const body = (idx: number[]) => ({ inputs: { x: { data: [[1, 2], [3, 4], [5, 6]], dtype: 'float64' }, idx: { data: idx, dtype: 'int64' } }, program });
        const a = await graph(body([2, 0]));
        expect(a.status).toBe(200);
        expect(a.body.outputs.y.data).toEqual([[5, 6], [1, 2]]);
        const bad = await graph(body([0, 3]));
        expect(bad.status, `${program}: ${JSON.stringify(bad.body)}`).toBe(422);
        expect(bad.body.type).toMatch(/index-out-of-range/);
        const c = await graph(body([1, 1]));
        expect(c.status).toBe(200);
        expect(c.body.outputs.y.data).toEqual([[3, 4], [3, 4]]);
      }
    });
  });

  describe('limits still hold for a cached program', () => {
    let small: FastifyInstance;
    beforeAll(async () => {
      small = await testApp({ maxJobBytes: 256 * 1024, maxJobFlops: 1_000_000 });
    });
    afterAll(async () => {
      await small.close();
    });


    it('bytes: small shapes pass, large shapes of the same program get 413, small pass again', async () => {
      const prog = 'y = x * 2 + 1';
      const run = (n: number, seed: number) => post(small, '/v1/graph', { inputs: { x: b64(f32(n, seed), [n]) }, program: prog, encoding: 'base64' });
      for (let k = 0; k < 2; k++) {
        const ok = await run(1000, k);
        expect(ok.status).toBe(200);
        const y = new Float32Array(new Uint8Array(Buffer.from(ok.body.outputs.y.base64, 'base64')).buffer);
        const x = f32(1000, k);
        expect(Array.from(y)).toEqual(Array.from(x, (v) => Math.fround(Math.fround(v * 2) + 1)));
        const big = await run(100_000, k); // 400 KB in, more out: over 256 KiB
        expect(big.status, JSON.stringify(big.body).slice(0, 300)).toBe(413);
        expect(big.body.type).toMatch(/too-large/);
      }
      const [a, b, c] = await Promise.all([run(1000, 9), run(100_000, 9), run(1000, 10)]);
      expect([a.status, b.status, c.status]).toEqual([200, 413, 200]);
    });

    it('flops: a cached matmul passes at 8x8, 413 at 128x128 (batched or not)', async () => {
      const prog = 'c = a @ b';
      const run = (n: number, seed: number) => post(small, '/v1/graph', { inputs: { a: b64(f32(n * n, seed), [n, n]), b: b64(f32(n * n, seed + 1), [n, n]) }, program: prog });
      const ok = await run(8, 1);
      expect(ok.status).toBe(200);
      const a = f32(64, 1);
      const b = f32(64, 2);
      const expected = Array.from({ length: 8 }, (_, i) => Array.from({ length: 8 }, (_, j) => {
        let s = 0;
        for (let k = 0; k < 8; k++) s += a[i * 8 + k]! * b[k * 8 + j]!;
        return s;
      }));
      expectClose(ok.body.outputs.c.data, expected, 'matmul', 1e-5, 1e-5);
      const answers = await Promise.all([run(8, 3), run(128, 3), run(8, 5), run(128, 7), run(8, 7)]);
      expect(answers.map((r) => r.status)).toEqual([200, 413, 200, 413, 200]);
      const dry = await post(small, '/v1/graph', { inputs: { a: { shape: [128, 128], dtype: 'float32' }, b: { shape: [128, 128], dtype: 'float32' } }, program: prog, dry_run: true });
      expect(dry.status).toBe(413);
    });
  });

  describe('dry_run and real runs of the same program', () => {
    it('answers shapes, dtypes and cost before and after a real run', async () => {
      const program = 'h = x @ w\ny = relu(h).sum()';
      const meta = { inputs: { x: { shape: [2, 3], dtype: 'float32' }, w: { shape: [3, 4], dtype: 'float32', requires_grad: true } }, program, dry_run: true };
      const d1 = await graph(meta);
      expect(d1.status, JSON.stringify(d1.body)).toBe(200);
      expect(d1.body.outputs.h).toEqual({ shape: [2, 4], dtype: 'float32' });
      expect(d1.body.outputs.y).toEqual({ shape: [], dtype: 'float32' });
      expect(d1.body.outputs.x).toEqual({ shape: [2, 3], dtype: 'float32' });
      expect(d1.body.grads).toEqual({ w: { shape: [3, 4], dtype: 'float32' } });
      expect(d1.body.cost.bytes).toBeGreaterThan(0);
      expect(d1.body.cost.flops).toBeGreaterThanOrEqual(2 * 2 * 3 * 4);

      const x = [[1, -2, 3], [0.5, 1, -1]];
      const w = [[1, 0, -1, 2], [0, 1, 1, -1], [2, -1, 0, 1]];
      const real = await graph({ inputs: { x, w: { data: w, requires_grad: true } }, program });
      expect(real.status).toBe(200);
      const h = x.map((r) => [0, 1, 2, 3].map((j) => r.reduce((s, v, k) => s + v * w[k]![j]!, 0)));
      expect(real.body.outputs.y.data).toBeCloseTo(h.flat().reduce((s, v) => s + Math.max(0, v), 0), 5);
      const dw = [0, 1, 2].map((k) => [0, 1, 2, 3].map((j) => x.reduce((s, r, i) => s + (h[i]![j]! > 0 ? r[k]! : 0), 0)));
      expectClose(real.body.grads.w.data, dw, 'dw', 1e-6, 1e-6);

      const d2 = await graph(meta);
      expect(d2.status).toBe(200);
      expect(d2.body).toEqual(d1.body);
      // A dry run given data (not shapes alone) answers the same.
      const d3 = await graph({ inputs: { x, w: { data: w, requires_grad: true } }, program, dry_run: true });
      expect(d3.body).toEqual(d1.body);
      // Other shapes: other answer.
      const d4 = await graph({ ...meta, inputs: { x: { shape: [5, 3], dtype: 'float64' }, w: { shape: [3, 7], dtype: 'float64', requires_grad: true } } });
      expect(d4.body.outputs.h).toEqual({ shape: [5, 7], dtype: 'float64' });
      expect(d4.body.grads).toEqual({ w: { shape: [3, 7], dtype: 'float64' } });
      expect(d4.body.cost.flops).toBeGreaterThan(d1.body.cost.flops);
      // And the real run still works after the dry runs.
      const real2 = await graph({ inputs: { x: [[1, 1, 1], [0, 0, 0]], w: { data: w, requires_grad: true } }, program });
      expect(real2.body.outputs.y.data).toBe(3 + 0 + 0 + 2);
    });
  });

  describe('what the packed answer carries', () => {
    const program = [
      'parts = split(x, [1, 2], 0)',
      'p1 = parts[1]',
      'halves = chunk(x, 2, 1)',
      's = x.sum()',
      'm = x > 0',
      'am = argmax(x, 1)',
      'big = x.long() * 4294967296 + 3',
      'e = x[0:0]',
      'f = x.float()',
      'ms = m.sum()',
    ].join('\n');
    const outputs = ['parts', 'm', 'p1', 'e', 'halves', 's', 'am', 'f', 'big', 'ms'];

    function expected(x: number[][]) {
      return {
        parts: [
          { shape: [1, 2], dtype: 'float64', data: [x[0]] },
          { shape: [2, 2], dtype: 'float64', data: [x[1], x[2]] },
        ],
        m: { shape: [3, 2], dtype: 'bool', data: x.map((r) => r.map((v) => v > 0)) },
        p1: { shape: [2, 2], dtype: 'float64', data: [x[1], x[2]] },
        e: { shape: [0, 2], dtype: 'float64', data: [] },
        halves: [
          { shape: [3, 1], dtype: 'float64', data: x.map((r) => [r[0]]) },
          { shape: [3, 1], dtype: 'float64', data: x.map((r) => [r[1]]) },
        ],
        s: { shape: [], dtype: 'float64', data: x.flat().reduce((a, b) => a + b, 0) },
        am: { shape: [3], dtype: 'int64', data: x.map((r) => (r[1]! > r[0]! ? 1 : 0)) },
        f: { shape: [3, 2], dtype: 'float32', data: x.map((r) => r.map(Math.fround)) },
        big: { shape: [3, 2], dtype: 'int64', data: x.map((r) => r.map((v) => Math.trunc(v) * 4294967296 + 3)) },
        ms: { shape: [], dtype: 'int64', data: x.flat().filter((v) => v > 0).length },
      };
    }

    const xs = [
      [[1, -2], [3.5, 4], [-5, 6]],
      [[-1, 2], [0, -4], [7.25, 1]],
      [[9, 8], [-7, -6], [5, 4]],
    ];

    it('list slots, 0-d, bool, int64, empty and float32 outputs, sequentially and batched', async () => {
      for (let round = 0; round < 2; round++)
        for (const x of xs) {
          const r = await graph({ inputs: { x: { data: x, dtype: 'float64' } }, program, outputs });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          expect(r.body.outputs).toEqual(expected(x));
          expect(Object.keys(r.body.outputs)).toEqual(outputs);
        }
      const many = Array.from({ length: 30 }, (_, i) => xs[i % 3]!);
      const answers = await Promise.all(many.map((x) => graph({ inputs: { x: { data: x, dtype: 'float64' } }, program, outputs })));
      answers.forEach((r, i) => expect(r.body.outputs).toEqual(expected(many[i]!)));
    });

    it('list outputs and gradients together (grads after a list in the answer)', async () => {
      const body = (x: number[]) => ({
        inputs: { x: { data: x, dtype: 'float64', requires_grad: true } },
        program: 'parts = chunk(x * x, 3)\nloss = (parts[0] * 3).sum() + parts[2].sum()',
        outputs: ['parts', 'loss'],
      });
      for (const x of [
        [1, 2, 3, 4, 5, 6],
        [-1, 0.5, 2, 0, 3, -3],
      ]) {
        const r = await graph(body(x));
        expect(r.status).toBe(200);
        const sq = x.map((v) => v * v);
        expect(r.body.outputs.parts).toEqual([
          { shape: [2], dtype: 'float64', data: sq.slice(0, 2) },
          { shape: [2], dtype: 'float64', data: sq.slice(2, 4) },
          { shape: [2], dtype: 'float64', data: sq.slice(4, 6) },
        ]);
        expect(r.body.outputs.loss.data).toBe(3 * (sq[0]! + sq[1]!) + sq[4]! + sq[5]!);
        expect(r.body.grads.x.data).toEqual(x.map((v, i) => (i < 2 ? 6 * v : i < 4 ? 0 : 2 * v)));
      }
    });

    it('empty inputs and an all-empty answer', async () => {
      for (let k = 0; k < 3; k++) {
        const r = await graph({ inputs: { x: { data: [], dtype: 'float32' }, y: { data: [k, k + 1], dtype: 'int64' } }, program: 'a = x * 2\nb = y + 1\nc = x.sum()', outputs: ['a', 'b', 'c'] });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect(r.body.outputs.a).toEqual({ shape: [0], dtype: 'float32', data: [] });
        expect(r.body.outputs.b).toEqual({ shape: [2], dtype: 'int64', data: [k + 1, k + 2] });
        expect(r.body.outputs.c).toEqual({ shape: [], dtype: 'float32', data: 0 });
      }
      const only = await graph({ inputs: { x: { data: [], dtype: 'float64' } }, program: 'a = x + 1' });
      expect(only.body.outputs.a).toEqual({ shape: [0], dtype: 'float64', data: [] });
    });

    it('no outputs at all: an empty answer, then outputs again', async () => {
      const none = await graph({ inputs: { x: [1, 2] }, program: 'y = x * 2', outputs: [] });
      expect(none.status, JSON.stringify(none.body)).toBe(200);
      expect(none.body.outputs).toEqual({});
      const some = await graph({ inputs: { x: [3, 4] }, program: 'y = x * 2', outputs: ['y'] });
      expect(some.body.outputs.y.data).toEqual([6, 8]);
    });

    it('bool inputs of odd lengths next to other inputs (8-byte packing offsets)', async () => {
      for (let k = 0; k < 3; k++) {
        const m = [true, false, k % 2 === 0];
        const x = [1 + k, 2 + k, 3 + k];
        const r = await graph({
          inputs: { m: { data: m, dtype: 'bool' }, x: { data: x, dtype: 'float64' }, n: { data: [k === 1], dtype: 'bool' }, i: { data: [10 * k], dtype: 'int64' } },
          program: 'y = where(m, x, 0.0) + i\nz = logical_and(m, n)',
          outputs: ['y', 'z'],
        });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect(r.body.outputs.y.data).toEqual(x.map((v, j) => (m[j] ? v : 0) + 10 * k));
        expect(r.body.outputs.z.data).toEqual(m.map((v) => v && k === 1));
      }
    });
  });

  describe('large inputs (not packed) next to small ones', () => {
    const N = 20_000; // 80 KB of float32: over the 64 KiB packing limit
    const decode = (t: { base64: string }) => new Float32Array(new Uint8Array(Buffer.from(t.base64, 'base64')).buffer);

    function check(res: { status: number; body: Record<string, any> }, x: Float32Array, w: number, b: number, tag: string) {
      expect(res.status, tag).toBe(200);
      const y = decode(res.body.outputs.y);
      expect(y.length).toBe(x.length);
      let bad = -1;
      for (let i = 0; i < x.length && bad < 0; i++) {
        const e = Math.fround(Math.fround(x[i]! * w) + b);
        if (Math.abs(y[i]! - e) > 1e-6 * Math.abs(e) + 1e-7) bad = i;
      }
      expect(bad, `${tag}: y[${bad}] = ${y[bad]}`).toBe(-1);
      expect(Array.from(decode(res.body.outputs.s))).toEqual([Math.fround(w * 3)]);
    }

    it('one large base64 input and two small ones, sequential and concurrent', async () => {
      const body = (seed: number, w: number, b: number) => ({
        inputs: { x: b64(f32(N, seed), [N]), w: [w], b: { data: b } },
        program: 'y = x * w + b\ns = w * 3',
        outputs: ['y', 's'],
        encoding: 'base64',
      });
      for (let k = 0; k < 3; k++) check(await graph(body(k, 1.5 + k, -k)), f32(N, k), Math.fround(1.5 + k), -k, `seq ${k}`);
      const ks = Array.from({ length: 8 }, (_, i) => 10 + i);
      const answers = await Promise.all(ks.map((k) => graph(body(k, k / 4, k))));
      answers.forEach((r, i) => check(r, f32(N, ks[i]!), Math.fround(ks[i]! / 4), ks[i]!, `concurrent ${i}`));
    });

    it('two large inputs given as JSON arrays and one small one', async () => {
      for (let k = 0; k < 2; k++) {
        const a = Array.from(f32(N, 100 + k));
        const c = Array.from(f32(N, 200 + k));
        const r = await graph({ inputs: { a, s: { data: [2 + k], dtype: 'float32' }, c }, program: 'y = a * s - c', encoding: 'base64' });
        expect(r.status).toBe(200);
        const y = decode(r.body.outputs.y);
        let bad = -1;
        for (let i = 0; i < N && bad < 0; i++) if (y[i] !== Math.fround(Math.fround(a[i]! * (2 + k)) - c[i]!)) bad = i;
        expect(bad, `y[${bad}]`).toBe(-1);
      }
    });

    it('right at the packing limit: 64 KiB packed, one element more not packed', async () => {
      for (const n of [16_384 - 2, 16_384 - 1, 16_383, 16_385]) {
        for (let k = 0; k < 2; k++) {
          const x = f32(n, n + k);
          const r = await graph({ inputs: { x: b64(x, [n]), w: { data: [3 + k], dtype: 'float32' } }, program: 'y = x * w', encoding: 'base64' });
          expect(r.status).toBe(200);
          const y = decode(r.body.outputs.y);
          expect(y.length).toBe(n);
          let bad = -1;
          for (let i = 0; i < n && bad < 0; i++) if (y[i] !== Math.fround(x[i]! * (3 + k))) bad = i;
          expect(bad, `n=${n} k=${k} y[${bad}]`).toBe(-1);
        }
      }
    });
  });

  describe('answer encodings on a cached program', () => {
    const program = 'y = x * w\nm = y > 2\ni = argmax(y, 0)';
    const outputs = ['y', 'm', 'i'];
    const expectedY = (x: number[], w: number) => x.map((v) => v * w);

    it('JSON, base64 and binary framing give the same values for their own data', async () => {
      const cases = [
        { x: [1, 2, 3], w: 2 },
        { x: [4, -5, 0.5], w: -1 },
        { x: [0.25, 8, 1], w: 0.5 },
      ];
      for (const { x, w } of cases) {
        const inputs = { x: { data: x, dtype: 'float64' }, w: { data: w, dtype: 'float64' } };
        const y = expectedY(x, w);
        const am = y.indexOf(Math.max(...y));
        const json = await graph({ inputs, program, outputs });
        expect(json.body.outputs).toEqual({
          y: { shape: [3], dtype: 'float64', data: y },
          m: { shape: [3], dtype: 'bool', data: y.map((v) => v > 2) },
          i: { shape: [], dtype: 'int64', data: am },
        });
        const b64 = await graph({ inputs, program, outputs, encoding: 'base64' });
        expect(b64.status).toBe(200);
        const yb = Buffer.from(b64.body.outputs.y.base64, 'base64');
        expect(Array.from(new Float64Array(new Uint8Array(yb).buffer))).toEqual(y);
        expect(Array.from(Buffer.from(b64.body.outputs.m.base64, 'base64'))).toEqual(y.map((v) => (v > 2 ? 1 : 0)));
        expect(Buffer.from(b64.body.outputs.i.base64, 'base64').readBigInt64LE(0)).toBe(BigInt(am));

        // JSON request, binary answer
        const res = await app.inject({ method: 'POST', url: '/v1/graph', headers: { accept: 'application/octet-stream' }, payload: { inputs, program, outputs } });
        expect(res.statusCode).toBe(200);
        checkBinary(res.rawPayload, y, am);

        // binary request (both inputs in the data buffer), binary answer
        const data = Buffer.alloc(32);
        x.forEach((v, k) => data.writeDoubleLE(v, k * 8));
        data.writeDoubleLE(w, 24);
        const res2 = await app.inject({
          method: 'POST',
          url: '/v1/graph',
          headers: { 'content-type': 'application/octet-stream', accept: 'application/octet-stream' },
          payload: binaryFrame({ inputs: { x: { dtype: 'float64', shape: [3], data_offsets: [0, 24] }, w: { dtype: 'float64', shape: [], data_offsets: [24, 32] } }, program, outputs }, data),
        });
        expect(res2.statusCode, res2.body.slice(0, 300)).toBe(200);
        checkBinary(res2.rawPayload, y, am);
      }
    });

    function checkBinary(payload: Buffer, y: number[], am: number) {
      const { header, data } = parseBinaryBody(payload);
      const o = (header as { outputs: Record<string, { shape: number[]; dtype: string; data_offsets: [number, number] }> }).outputs;
      expect(o.y!.shape).toEqual([3]);
      expect(o.y!.dtype).toBe('float64');
      const ybytes = new Uint8Array(data.subarray(o.y!.data_offsets[0], o.y!.data_offsets[1]));
      expect(Array.from(new Float64Array(ybytes.buffer))).toEqual(y);
      expect(o.m!.dtype).toBe('bool');
      expect(Array.from(data.subarray(o.m!.data_offsets[0], o.m!.data_offsets[1]))).toEqual(y.map((v) => (v > 2 ? 1 : 0)));
      expect(o.i!.dtype).toBe('int64');
      expect(o.i!.shape).toEqual([]);
      expect(Buffer.from(data.subarray(o.i!.data_offsets[0], o.i!.data_offsets[1])).readBigInt64LE(0)).toBe(BigInt(am));
    }

    it('a binary request with a large input at an unaligned offset and a small one', async () => {
      const n = 20_000;
      for (const k of [1, 2]) {
        const data = Buffer.alloc(4 + 4 * n + 4);
        data.writeFloatLE(0.5 * k, 0); // w at [0, 4)
        for (let i = 0; i < n; i++) data.writeFloatLE(i % 97, 4 + 4 * i); // x at [4, 4 + 4n)
        const header = JSON.stringify({ inputs: { w: { dtype: 'float32', shape: [1], data_offsets: [0, 4] }, x: { dtype: 'float32', shape: [n], data_offsets: [4, 4 + 4 * n] } }, program: 'y = x * w' });
        const res = await app.inject({
          method: 'POST',
          url: '/v1/graph',
          headers: { 'content-type': 'application/octet-stream', accept: 'application/octet-stream' },
          // One space after the JSON (its length odd): the data starts at an odd offset of the body.
          payload: binaryFrame(header.length % 2 === 0 ? header + ' ' : header, data),
        });
        expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
        const { header: h, data: out } = parseBinaryBody(res.rawPayload);
        const y = (h as { outputs: { y: { shape: number[]; data_offsets: [number, number] } } }).outputs.y;
        expect(y.shape).toEqual([n]);
        const vals = new Float32Array(new Uint8Array(out.subarray(y.data_offsets[0], y.data_offsets[1])).buffer);
        let bad = -1;
        for (let i = 0; i < n && bad < 0; i++) if (vals[i] !== (i % 97) * 0.5 * k) bad = i;
        expect(bad, `y[${bad}] = ${vals[bad]}`).toBe(-1);
      }
    });

    it('a binary request whose two inputs share the same bytes', async () => {
      for (const v of [3, -2]) {
        const data = Buffer.alloc(16);
        data.writeDoubleLE(v, 0);
        data.writeDoubleLE(v + 1, 8);
        const header = { inputs: { a: { dtype: 'float64', shape: [2], data_offsets: [0, 16] }, b: { dtype: 'float64', shape: [2], data_offsets: [0, 16] } }, program: 'y = a * b' };
        const res = await app.inject({ method: 'POST', url: '/v1/graph', headers: { 'content-type': 'application/octet-stream' }, payload: binaryFrame(header, data) });
        expect(res.statusCode).toBe(200);
        expect(res.json().outputs.y.data).toEqual([v * v, (v + 1) * (v + 1)]);
      }
    });
  });

  describe('the node-list form', () => {
    it('is cached like a program: new data, correct answers', async () => {
      const nodes = [
        { id: 'p', op: 'mul', args: ['x', 'w'] },
        { id: 'loss', op: 'mse_loss', args: ['p', 'y'], kwargs: { reduction: 'sum' } },
      ];
      for (let k = 1; k <= 4; k++) {
        const x = [k, 2 * k];
        const w = [0.5, -1];
        const y = [1, 1];
        const r = await graph({ inputs: { x: { data: x, dtype: 'float64' }, w: { data: w, dtype: 'float64', requires_grad: true }, y: { data: y, dtype: 'float64' } }, nodes, outputs: ['p', 'loss'] });
        expect(r.status).toBe(200);
        const p = x.map((v, i) => v * w[i]!);
        expect(r.body.outputs.p.data).toEqual(p);
        expect(r.body.outputs.loss.data).toBe(p.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0));
        expect(r.body.grads.w.data).toEqual(p.map((v, i) => 2 * (v - y[i]!) * x[i]!));
      }
      const batch = await Promise.all(
        Array.from({ length: 20 }, (_, k) =>
          graph({ inputs: { x: { data: [k, 1], dtype: 'float64' }, w: { data: [1, k], dtype: 'float64', requires_grad: true }, y: { data: [0, 0], dtype: 'float64' } }, nodes, outputs: ['loss'] }),
        ),
      );
      batch.forEach((r, k) => {
        expect(r.body.outputs.loss.data).toBe(2 * k * k);
        expect(r.body.grads.w.data).toEqual([2 * k * k, 2 * k]);
      });
    });

    it('tells node lists apart by their literal arguments and kwargs', async () => {
      const x = { data: [[1, 2], [3, 4]], dtype: 'float64' };
      const cases: Array<[unknown[], unknown]> = [
        [[{ id: 'y', op: 'mul', args: ['x', 2] }], [[2, 4], [6, 8]]],
        [[{ id: 'y', op: 'mul', args: ['x', 3] }], [[3, 6], [9, 12]]],
        [[{ id: 'y', op: 'sum', args: ['x'], kwargs: { dim: [0] } }], [4, 6]],
        [[{ id: 'y', op: 'sum', args: ['x'], kwargs: { dim: [1] } }], [3, 7]],
        [[{ id: 'y', op: 'add', args: ['x', [10, 20]] }], [[11, 22], [13, 24]]],
        [[{ id: 'y', op: 'add', args: ['x', [10, 30]] }], [[11, 32], [13, 34]]],
      ];
      for (let round = 0; round < 2; round++)
        for (const [nodes, expected] of cases) {
          const r = await graph({ inputs: { x }, nodes });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          expect(r.body.outputs.y.data, JSON.stringify(nodes)).toEqual(expected);
        }
    });

    it('tells apart literal arguments that overflow to +Infinity and -Infinity (1e400, -1e400)', async () => {
      // JSON numbers beyond the double range parse to ±Infinity; a node list
      // must not be confused with another whose literal differs (JSON.stringify
      // writes both as null).
      const send = async (target: FastifyInstance, lit: string) => {
        const res = await target.inject({
          method: 'POST',
          url: '/v1/graph',
          headers: { 'content-type': 'application/json' },
          payload: `{"inputs":{"x":{"data":[1.0,-2.0],"dtype":"float64"}},"nodes":[{"id":"y","op":"mul","args":["x",${lit}]}]}`,
        });
        return { status: res.statusCode, body: res.json() as Record<string, any> };
      };
      // Uncached, each literal gives its own answer (fresh app, empty cache).
      const fresh = await testApp();
      try {
        const alone = await send(fresh, '-1e400');
        expect(alone.status, JSON.stringify(alone.body)).toBe(200);
        expect(alone.body.outputs.y.data).toEqual(['-Infinity', 'Infinity']);
      } finally {
        await fresh.close();
      }
      const pos = await send(app, '1e400');
      expect(pos.status, JSON.stringify(pos.body)).toBe(200);
      expect(pos.body.outputs.y.data).toEqual(['Infinity', '-Infinity']);
      const neg = await send(app, '-1e400');
      expect(neg.status, JSON.stringify(neg.body)).toBe(200);
      expect(neg.body.outputs.y.data).toEqual(['-Infinity', 'Infinity']);
    });

    it('does not answer a node list with a null argument from the cached 1e400 one', async () => {
      const send = async (lit: string) => {
        const res = await app.inject({
          method: 'POST',
          url: '/v1/graph',
          headers: { 'content-type': 'application/json' },
          payload: `{"inputs":{"z":{"data":[3.0],"dtype":"float64"}},"nodes":[{"id":"y","op":"mul","args":["z",${lit}]}]}`,
        });
        return { status: res.statusCode, body: res.json() as Record<string, any> };
      };
      expect((await send('1e400')).body.outputs.y.data).toEqual(['Infinity']);
      // mul(z, None) is an invalid argument (422), cached or not.
      const nul = await send('null');
      expect(nul.status, JSON.stringify(nul.body)).toBe(422);
      expect(nul.body.type).toMatch(/invalid-argument/);
    });
  });

});

/** A job of a batch or an inline turn that failed alone, with the engine's typed index error. */
function expectIndexError(s: PromiseSettledResult<unknown>): void {
  expect(s.status).toBe('rejected');
  const e = (s as PromiseRejectedResult).reason as EngineError;
  expect(e).toBeInstanceOf(EngineError);
  expect(e.code).toBe('GS_index');
  expect(e.message).toMatch(/index out of range/);
}

describe('the pool batches small jobs of one turn (direct)', () => {
  it('40 jobs of 2 programs, one failing, in one turn: batched, each answer its own', async () => {
    const cfg = loadConfig({}, { workers: 1, logLevel: 'silent', inlineMaxFlops: 0 });
    const pool = new JobPool(cfg);
    const compiler = new GraphCompiler(cfg);
    const piscina = (pool as unknown as { piscina: { run: (task: { kind: string }, opts?: unknown) => Promise<unknown> } }).piscina;
    const original = piscina.run.bind(piscina);
    const tasks: Array<{ kind: string; buf?: ArrayBuffer }> = [];
    // A batch's job count is the first float64 of its buffer (read before the buffer is transferred).
    const jobsIn = (t: { buf?: ArrayBuffer }) => (t.buf ? new Float64Array(t.buf, 0, 1)[0]! : 1);
    const counts: number[] = [];
    piscina.run = (task, opts) => {
      tasks.push(task as { kind: string; buf?: ArrayBuffer });
      counts.push(jobsIn(task as { buf?: ArrayBuffer }));
      return original(task, opts);
    };
    const limits = { maxBytes: cfg.maxJobBytes, maxFlops: cfg.maxJobFlops, maxOps: cfg.maxJobOps, maxElements: cfg.maxTensorElements };
    const affine = (x: number[], w: number) =>
      compiler.compile({ inputs: { x: { data: x, dtype: 'float64' }, w: { data: w, dtype: 'float64' } }, program: 'y = x * w + 0.5' });
    const pick = (idx: number[]) =>
      compiler.compile({ inputs: { x: { data: [10, 20, 30], dtype: 'float64' }, i: { data: idx, dtype: 'int64' } }, program: 'y = x[i]' });
    const runOne = (g: ReturnType<typeof affine>) => pool.run({ kind: 'graph', dryRun: false, program: programOf(g), data: jobData(g), limits });
    const yOf = (g: ReturnType<typeof affine>, r: unknown) => {
      const res = unpackResult(r as ArrayBuffer);
      const t = res.slots[g.outputs[0]!.slot] as { data: Uint8Array };
      return Array.from(new Float64Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 8));
    };
    try {
      // First runs: their costs become known, as run-graph.ts records them.
      for (const g of [affine([1, 2, 3], 3), pick([0, 1])]) {
        const o = await runOne(g);
        const cost = unpackResult(o.result as ArrayBuffer).cost;
        programOf(g).lastCost = { flops: cost.flops, ops: cost.ops };
      }
      tasks.length = 0;
      counts.length = 0;
      const graphs = Array.from({ length: 40 }, (_, k) => (k % 2 === 0 ? affine([k, -k, k / 8], k + 1) : pick(k === 13 ? [0, 3] : [k % 3, (k + 1) % 3])));
      const settled = await Promise.allSettled(graphs.map(runOne));
      expect(tasks.every((t) => t.kind === 'batch')).toBe(true);
      expect(tasks.length).toBeLessThan(40);
      expect(counts.reduce((n, c) => n + c, 0)).toBe(40);
      settled.forEach((s, k) => {
        if (k === 13) {
          expectIndexError(s);
          return;
        }
        expect(s.status, `job ${k}`).toBe('fulfilled');
        const y = yOf(graphs[k]!, (s as PromiseFulfilledResult<{ result: unknown }>).value.result);
        if (k % 2 === 0) expect(y, `job ${k}`).toEqual([k, -k, k / 8].map((v) => v * (k + 1) + 0.5));
        else expect(y, `job ${k}`).toEqual([[10, 20, 30][k % 3], [10, 20, 30][(k + 1) % 3]]);
      });
    } finally {
      await pool.close();
    }
  });
});

describe('tiny jobs run on the main thread (direct)', () => {
  it('a program whose last run was tiny never reaches a worker; a costlier one, a first run and a dry run do', async () => {
    const cfg = loadConfig({}, { workers: 1, logLevel: 'silent', inlineMaxFlops: 1000 });
    const events: Array<{ outcome: string; runMs: number }> = [];
    const pool = new JobPool(cfg, { onJob: (e) => events.push(e) });
    const compiler = new GraphCompiler(cfg);
    const piscina = (pool as unknown as { piscina: { run: (task: unknown, opts?: unknown) => Promise<unknown> } }).piscina;
    const original = piscina.run.bind(piscina);
    let tasks = 0;
    piscina.run = (task, opts) => {
      tasks++;
      return original(task, opts);
    };
    const limits = { maxBytes: cfg.maxJobBytes, maxFlops: cfg.maxJobFlops, maxOps: cfg.maxJobOps, maxElements: cfg.maxTensorElements };
    // x of 4 elements: a program of its own (the batching test above ran x of 3, and interned programs are shared).
    const pick = (idx: number[]) => compiler.compile({ inputs: { x: { data: [10, 20, 30, 40], dtype: 'float64' }, i: { data: idx, dtype: 'int64' } }, program: 'y = x[i]' });
    // 40x40 @ 40x40: 128,000 FLOPs, over the 1000 allowed inline.
    const big = (k: number) => compiler.compile({ inputs: { a: { data: Array.from({ length: 40 }, () => new Array(40).fill(k)), dtype: 'float64' } }, program: 'y = a @ a' });
    const runOne = (g: ReturnType<typeof pick>, dryRun = false) => pool.run({ kind: 'graph', dryRun, program: programOf(g), data: jobData(g), limits });
    const learn = async (g: ReturnType<typeof pick>) => {
      const cost = unpackResult((await runOne(g)).result as ArrayBuffer).cost;
      programOf(g).lastCost = { flops: cost.flops, ops: cost.ops }; // as run-graph.ts records it
    };
    const yOf = (g: ReturnType<typeof pick>, r: unknown) => {
      const t = unpackResult(r as ArrayBuffer).slots[g.outputs[0]!.slot] as { data: Uint8Array };
      return Array.from(new Float64Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 8));
    };
    try {
      await learn(pick([0, 1]));
      await learn(big(1));
      expect(tasks).toBe(2); // first runs: the pool
      tasks = 0;
      events.length = 0;
      const idx = Array.from({ length: 30 }, (_, k) => (k === 7 ? [5, 0] : [k % 3, (k + 2) % 3]));
      const settled = await Promise.allSettled(idx.map((i) => runOne(pick(i))));
      expect(tasks).toBe(0);
      settled.forEach((s, k) => {
        if (k === 7) {
          expectIndexError(s);
          return;
        }
        expect(s.status, `job ${k}`).toBe('fulfilled');
        expect(yOf(pick(idx[k]!), (s as PromiseFulfilledResult<{ result: unknown }>).value.result)).toEqual(idx[k]!.map((i) => [10, 20, 30, 40][i]));
      });
      // Reported like pool jobs: 29 ok, 1 error.
      expect(events.filter((e) => e.outcome === 'ok')).toHaveLength(29);
      expect(events.filter((e) => e.outcome === 'error')).toHaveLength(1);
      // Over the threshold, or a dry run: the pool.
      const g = big(2);
      expect(yOf(g, (await runOne(g)).result)[0]).toBe(160);
      expect(tasks).toBe(1);
      await runOne(pick([1]), true);
      expect(tasks).toBe(2);
    } finally {
      await pool.close();
    }
  });
});

describe('tiny jobs run on the main thread (over HTTP)', () => {
  // The one worker is busy with a long job: a cached tiny program is answered
  // at once, beside it, and a tiny program with INLINE_MAX_FLOPS=0 waits for
  // the worker like any job. Only the order of the answers is asserted.
  const LONG = { program: 'a = ones(1500, 1500) / 1500\nb = a @ a @ a @ a\ns = b.sum()', outputs: ['s'] };
  const TINY = { inputs: { x: { data: [1, 2], dtype: 'float64' } }, program: 'y = x * 3 + 1' };

  async function order(inlineMaxFlops: number): Promise<string[]> {
    const app = await testApp({ workers: 1, inlineMaxFlops });
    try {
      for (let i = 0; i < 2; i++) expect((await post(app, '/v1/graph', TINY)).status).toBe(200); // its cost is now known
      const done: string[] = [];
      const long = post(app, '/v1/graph', LONG).then((r) => {
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        done.push('long');
      });
      // Wait until the worker has taken the long job.
      for (let i = 0; i < 200 && ((await app.inject({ method: 'GET', url: '/readyz' })).json() as { busy: number }).busy < 1; i++) await new Promise((r) => setTimeout(r, 5));
      const tiny = post(app, '/v1/graph', TINY).then((r) => {
        expect(r.body.outputs.y.data).toEqual([4, 7]);
        done.push('tiny');
      });
      await Promise.all([long, tiny]);
      return done;
    } finally {
      await app.close();
    }
  }

  it('a cached tiny program is answered while the only worker runs a long job', async () => {
    expect(await order(10_000)).toEqual(['tiny', 'long']);
  });

  it('with INLINE_MAX_FLOPS=0 it waits for the worker', async () => {
    expect(await order(0)).toEqual(['long', 'tiny']);
  });
});
