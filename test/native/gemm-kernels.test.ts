// The packed GEMM (native/gemm.cc) and matmul's transpose-flag backward.
//  - gemm_check.cc: gs::gemm called directly (every transpose pair, padded
//    leading dimensions, edge sizes 1..257, several cache blocks, f32/f64/i64,
//    BLAS on and off), once per built-in kernel family (GS_GEMM_KERNEL).
//  - Through the addon: matmul forward, first and second order gradients and
//    batched/broadcast products against float64 triple loops, BLAS on and off.
// Inputs are small integers, so every product and sum is exact and results
// must match to the bit.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
type Slot = { data: ArrayBuffer; shape: number[] };
const addon = require('../../build/Release/gradserve.node') as {
  run(job: unknown): { slots: Slot[]; grads: Array<{ data: ArrayBuffer }> };
  setBlas(on: boolean): boolean;
  blasInfo(): { available: boolean; enabled: boolean };
};

const root = join(__dirname, '..', '..');
type DType = 'float32' | 'float64';

let seed = 12345;
function ints(n: number, lo: number, hi: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    a[i] = lo + (seed % (hi - lo + 1));
  }
  return a;
}
const typed = (x: Float64Array, dtype: DType) => (dtype === 'float32' ? Float32Array.from(x) : x);
const read = (s: Slot | { data: ArrayBuffer }, dtype: DType) => Array.from(dtype === 'float32' ? new Float32Array(s.data) : new Float64Array(s.data));

// C[M x N] = op(A) op(B), row-major, op(X) = X^T when the flag is set.
function ref(M: number, N: number, K: number, A: ArrayLike<number>, B: ArrayLike<number>, ta = false, tb = false): number[] {
  const C = new Array<number>(M * N).fill(0);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += (ta ? A[k * M + i]! : A[i * K + k]!) * (tb ? B[j * K + k]! : B[k * N + j]!);
      C[i * N + j] = s;
    }
  return C;
}

function expectSame(got: number[], want: number[], what: string) {
  expect(got.length, what).toBe(want.length);
  let bad = -1;
  for (let i = 0; i < want.length && bad < 0; i++) if (got[i] !== want[i]) bad = i;
  expect(bad < 0 ? 'ok' : `${what}[${bad}] = ${got[bad]}, want ${want[bad]}`).toBe('ok');
}

const blasModes = (): boolean[] => (addon.blasInfo().available ? [false, true] : [false]);
const initial = addon.blasInfo().enabled;
afterAll(() => {
  addon.setBlas(initial);
});

describe('gs::gemm directly (gemm_check.cc), every kernel family', () => {
  let dir = '';
  let exe = '';
  let skip = '';
  beforeAll(() => {
    const gxx = spawnSync('g++', ['--version']);
    if (gxx.status !== 0) {
      skip = 'no g++';
      return;
    }
    dir = mkdtempSync(join(tmpdir(), 'gs-gemm-'));
    exe = join(dir, 'gemm_check');
    const blas = execFileSync(process.execPath, [join(root, 'tools', 'detect-blas.cjs')], { encoding: 'utf8' }).trim() === '1';
    const args = ['-O2', '-std=c++17', '-Wall', '-Wextra', '-Werror', '-I', join(root, 'native')];
    if (blas) args.push('-DGS_HAVE_CBLAS', '-I/usr/include/x86_64-linux-gnu', '-I/usr/include/openblas');
    args.push(join(root, 'native', 'gemm.cc'), join(root, 'native', 'context.cc'), join(root, 'test', 'native', 'gemm_check.cc'), '-o', exe);
    if (blas) args.push('-lopenblas');
    execFileSync('g++', args, { stdio: 'pipe' });
  }, 180_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const kernel of ['best', 'avx2', 'generic']) {
    it(`kernel ${kernel}`, (ctx) => {
      if (skip) ctx.skip();
      const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
      if (kernel !== 'best') env.GS_GEMM_KERNEL = kernel;
      else delete env.GS_GEMM_KERNEL;
      const r = spawnSync(exe, [], { encoding: 'utf8', env, timeout: 120_000 });
      expect(r.stdout.split('\n').filter((l) => l.startsWith('BAD')).slice(0, 5)).toEqual([]);
      expect(r.status, r.stdout.slice(-500) + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/checked \d+ bad 0/);
    }, 120_000);
  }
});

describe('matmul through the engine: forward, backward (transpose flags), BLAS on and off', () => {
  const edge = [1, 7, 17, 33, 65, 129, 257];
  // Every size in every position at least once, plus the cubes of the small ones.
  const shapes: Array<[number, number, number]> = [];
  for (const a of edge) shapes.push([a, 33, 17], [17, a, 33], [33, 17, a]);
  shapes.push([1, 1, 1], [7, 7, 7], [65, 65, 65], [129, 129, 129], [257, 7, 257], [1, 257, 257], [257, 257, 1]);

  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: C = A @ B, dA = W B^T, dB = A^T W`, () => {
      for (const blas of blasModes()) {
        addon.setBlas(blas);
        for (const [M, K, N] of shapes) {
          const A = ints(M * K, -3, 3), B = ints(K * N, -3, 3), W = ints(M * N, -2, 2);
          const r = addon.run({
            meta: false,
            inputs: [
              { dtype, shape: [M, K], data: typed(A, dtype), requiresGrad: true },
              { dtype, shape: [K, N], data: typed(B, dtype), requiresGrad: true },
              { dtype, shape: [M, N], data: typed(W, dtype), requiresGrad: false },
            ],
            nodes: [
              { op: 'matmul', args: [{ t: 0 }, { t: 1 }] }, // 3
              { op: 'mul', args: [{ t: 3 }, { t: 2 }] }, // 4
              { op: 'sum', args: [{ t: 4 }, null, false] }, // 5
            ],
            outputs: [3],
            backward: { of: 5, wrt: [0, 1] },
          });
          const what = `${dtype} blas=${blas} ${M}x${K}x${N}`;
          expectSame(read(r.slots[3]!, dtype), ref(M, N, K, A, B), `${what} C`);
          expectSame(read(r.grads[0]!, dtype), ref(M, K, N, W, B, false, true), `${what} dA`);
          expectSame(read(r.grads[1]!, dtype), ref(K, N, M, A, W, true, false), `${what} dB`);
        }
      }
    });
  }

  it('second order: grad(sum(grad(sum((A @ B) * W), A) * V), B) = V^T W and w.r.t. W = V B', () => {
    for (const blas of blasModes()) {
      addon.setBlas(blas);
      for (const [M, K, N] of [[33, 17, 65], [7, 129, 1], [65, 65, 33]] as const) {
        const dtype = 'float64';
        const A = ints(M * K, -3, 3), B = ints(K * N, -3, 3), W = ints(M * N, -2, 2), V = ints(M * K, -2, 2);
        const r = addon.run({
          meta: false,
          inputs: [
            { dtype, shape: [M, K], data: A, requiresGrad: true },
            { dtype, shape: [K, N], data: B, requiresGrad: true },
            { dtype, shape: [M, N], data: W, requiresGrad: true },
            { dtype, shape: [M, K], data: V, requiresGrad: false },
          ],
          nodes: [
            { op: 'matmul', args: [{ t: 0 }, { t: 1 }] }, // 4
            { op: 'mul', args: [{ t: 4 }, { t: 2 }] }, // 5
            { op: 'sum', args: [{ t: 5 }, null, false] }, // 6
            { op: 'grad', args: [{ t: 6 }, { t: 0 }, null] }, // 7 = W B^T
            { op: 'mul', args: [{ t: 7 }, { t: 3 }] }, // 8
            { op: 'sum', args: [{ t: 8 }, null, false] }, // 9
          ],
          outputs: [7],
          backward: { of: 9, wrt: [1, 2] },
        });
        const what = `blas=${blas} ${M}x${K}x${N}`;
        expectSame(read(r.slots[7]!, dtype), ref(M, K, N, W, B, false, true), `${what} dA`);
        expectSame(read(r.grads[0]!, dtype), ref(K, N, M, V, W, true, false), `${what} d2/dB`);
        expectSame(read(r.grads[1]!, dtype), ref(M, N, K, V, B, false, false), `${what} d2/dW`);
      }
    }
  });

  it('batched and broadcast products, and their gradients summed over the batch', () => {
    const dtype = 'float32';
    for (const blas of blasModes()) {
      addon.setBlas(blas);
      // [batch..., M, K] @ [batch..., K, N] in three layouts: folded into one
      // GEMM (B 2-D), same batch, and broadcast batch.
      const cases: Array<{ a: number[]; b: number[] }> = [
        { a: [3, 2, 17, 33], b: [33, 9] },
        { a: [4, 65, 7], b: [4, 7, 40] },
        { a: [2, 1, 9, 20], b: [3, 20, 11] },
        { a: [20, 31], b: [2, 31, 5] },
      ];
      for (const { a, b } of cases) {
        const [M, K] = a.slice(-2) as [number, number];
        const N = b[b.length - 1]!;
        const ab = a.slice(0, -2), bb = b.slice(0, -2);
        const nd = Math.max(ab.length, bb.length);
        const pad = (s: number[]) => [...Array(nd - s.length).fill(1), ...s];
        const pa = pad(ab), pb = pad(bb);
        const batch = pa.map((d, i) => Math.max(d, pb[i]!));
        const nb = batch.reduce((x, y) => x * y, 1);
        const A = ints(a.reduce((x, y) => x * y, 1), -3, 3), B = ints(b.reduce((x, y) => x * y, 1), -3, 3);
        const r = addon.run({
          meta: false,
          inputs: [
            { dtype, shape: a, data: typed(A, dtype), requiresGrad: true },
            { dtype, shape: b, data: typed(B, dtype), requiresGrad: true },
          ],
          nodes: [
            { op: 'matmul', args: [{ t: 0 }, { t: 1 }] },
            { op: 'sum', args: [{ t: 2 }, null, false] },
          ],
          outputs: [2],
          backward: { of: 3, wrt: [0, 1] },
        });
        // Reference: per broadcast batch index, the matching A and B matrices.
        const C: number[] = [];
        const dA = new Array<number>(A.length).fill(0), dB = new Array<number>(B.length).fill(0);
        const ones = new Array<number>(M * N).fill(1);
        for (let i = 0; i < nb; i++) {
          let rem = i, oa = 0, ob = 0, sa = 1, sb = 1;
          for (let d = nd - 1; d >= 0; d--) {
            const idx = rem % batch[d]!;
            rem = Math.floor(rem / batch[d]!);
            if (pa[d]! > 1) oa += idx * sa;
            if (pb[d]! > 1) ob += idx * sb;
            sa *= pa[d]!;
            sb *= pb[d]!;
          }
          const Ai = A.subarray(oa * M * K, (oa + 1) * M * K), Bi = B.subarray(ob * K * N, (ob + 1) * K * N);
          C.push(...ref(M, N, K, Ai, Bi));
          ref(M, K, N, ones, Bi, false, true).forEach((v, j) => (dA[oa * M * K + j]! += v));
          ref(K, N, M, Ai, ones, true, false).forEach((v, j) => (dB[ob * K * N + j]! += v));
        }
        const what = `blas=${blas} ${JSON.stringify(a)} @ ${JSON.stringify(b)}`;
        expect(r.slots[2]!.shape, what).toEqual([...batch, M, N]);
        expectSame(read(r.slots[2]!, dtype), C, `${what} C`);
        expectSame(read(r.grads[0]!, dtype), dA, `${what} dA`);
        expectSame(read(r.grads[1]!, dtype), dB, `${what} dB`);
      }
    }
  });

  it('a large product stops at the deadline (checks between blocks), BLAS on and off', () => {
    const n = 1536;
    const x = new Float32Array(n * n).fill(0.5);
    for (const blas of blasModes()) {
      addon.setBlas(blas);
      const t0 = performance.now();
      expect(() =>
        addon.run({
          meta: false,
          inputs: [
            { dtype: 'float32', shape: [n, n], data: x },
            { dtype: 'float32', shape: [n, n], data: x },
          ],
          // Several products: well over a second of work at any speed here.
          nodes: Array.from({ length: 8 }, () => ({ op: 'matmul', args: [{ t: 0 }, { t: 1 }] })),
          outputs: [9],
          deadlineMs: 20,
        }),
      ).toThrow(/deadline/);
      // Generous for a shared machine; one block or BLAS chunk is ~1-10 ms.
      expect(performance.now() - t0).toBeLessThan(1000);
    }
  });

  it('K = 0 gives zeros; an empty M or N gives an empty result', () => {
    for (const blas of blasModes()) {
      addon.setBlas(blas);
      const r = addon.run({
        meta: false,
        inputs: [
          { dtype: 'float32', shape: [3, 0], data: new Float32Array(0) },
          { dtype: 'float32', shape: [0, 4], data: new Float32Array(0) },
          { dtype: 'float64', shape: [0, 5], data: new Float64Array(0) },
          { dtype: 'float64', shape: [5, 2], data: new Float64Array(10).fill(1) },
        ],
        nodes: [
          { op: 'matmul', args: [{ t: 0 }, { t: 1 }] },
          { op: 'matmul', args: [{ t: 2 }, { t: 3 }] },
        ],
        outputs: [4, 5],
      });
      expect(r.slots[4]!.shape).toEqual([3, 4]);
      expect(read(r.slots[4]!, 'float32')).toEqual(new Array(12).fill(0));
      expect(r.slots[5]!.shape).toEqual([0, 2]);
      // Gradients of batched products with an empty dimension (the batch
      // folds into rows for b's gradient).
      for (const [a, b] of [[[2, 3, 0], [0, 4]], [[2, 0, 5], [5, 4]], [[0, 3, 5], [5, 4]], [[2, 3, 5], [5, 0]]]) {
        const n = (s: number[]) => s.reduce((x, y) => x * y, 1);
        const g = addon.run({
          meta: false,
          inputs: [
            { dtype: 'float32', shape: a, data: new Float32Array(n(a!)).fill(1), requiresGrad: true },
            { dtype: 'float32', shape: b, data: new Float32Array(n(b!)).fill(1), requiresGrad: true },
          ],
          nodes: [
            { op: 'matmul', args: [{ t: 0 }, { t: 1 }] },
            { op: 'sum', args: [{ t: 2 }, null, false] },
          ],
          outputs: [3],
          backward: { of: 3, wrt: [0, 1] },
        });
        const M = a![1]!, N = b![1]!, batch = a![0]!;
        expect(read(g.grads[0]!, 'float32')).toEqual(new Array(n(a!)).fill(N));
        expect(read(g.grads[1]!, 'float32')).toEqual(new Array(n(b!)).fill(batch * M));
      }
    }
  });
});
