// Both GEMM paths — OpenBLAS (when the build found it) and the built-in
// blocked kernel — give the same products, switched at run time.
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const addon = require('../../build/Release/gradserve.node') as {
  run(job: unknown): { slots: Array<{ data: ArrayBuffer; shape: number[] }>; grads: Array<{ data: ArrayBuffer }> };
  setBlas(on: boolean): boolean;
  blasInfo(): { available: boolean; enabled: boolean };
};

function rand(n: number, seed: number): Float64Array {
  const a = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    a[i] = s / 2147483648 - 0.5;
  }
  return a;
}

function matmul(M: number, K: number, N: number, dtype: 'float32' | 'float64') {
  const A = rand(M * K, 1), B = rand(K * N, 2);
  const conv = (x: Float64Array) => (dtype === 'float32' ? Float32Array.from(x) : x);
  const r = addon.run({
    meta: false,
    inputs: [
      { dtype, shape: [M, K], data: conv(A), requiresGrad: true },
      { dtype, shape: [K, N], data: conv(B), requiresGrad: true },
    ],
    nodes: [{ op: 'matmul', args: [{ t: 0 }, { t: 1 }] }, { op: 'sum', args: [{ t: 2 }, null, false] }],
    outputs: [2],
    backward: { of: 3, wrt: [0, 1] },
  });
  const Arr = dtype === 'float32' ? Float32Array : Float64Array;
  const C = new Arr(r.slots[2]!.data);
  // Reference product in float64 JS.
  let maxErr = 0;
  const small = M * N <= 1024; // every element, else a sample
  for (let i = 0; i < M; i += small ? 1 : 7)
    for (let j = 0; j < N; j += small ? 1 : 5) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += A[i * K + k]! * B[k * N + j]!;
      maxErr = Math.max(maxErr, Math.abs(acc - C[i * N + j]!));
    }
  return { C, gA: new Arr(r.grads[0]!.data), maxErr };
}

const initial = addon.blasInfo().enabled;
afterAll(() => {
  addon.setBlas(initial);
});

describe('GEMM', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`built-in kernel and BLAS agree (${dtype}, 67x130x45 with odd edges)`, () => {
      addon.setBlas(false);
      expect(addon.blasInfo().enabled).toBe(false);
      const fallback = matmul(67, 130, 45, dtype);
      expect(fallback.maxErr).toBeLessThan(dtype === 'float32' ? 1e-4 : 1e-12);
      addon.setBlas(true);
      const blas = matmul(67, 130, 45, dtype);
      expect(blas.maxErr).toBeLessThan(dtype === 'float32' ? 1e-4 : 1e-12);
      for (let i = 0; i < blas.C.length; i++) expect(Math.abs(blas.C[i]! - fallback.C[i]!)).toBeLessThan(dtype === 'float32' ? 1e-4 : 1e-12);
      for (let i = 0; i < blas.gA.length; i++) expect(Math.abs(blas.gA[i]! - fallback.gA[i]!)).toBeLessThan(dtype === 'float32' ? 1e-3 : 1e-10);
    });
  }

  it('products on both sides of the size where BLAS takes over (8 x 8 x 8) are right, with their gradients', () => {
    addon.setBlas(true);
    for (const dtype of ['float32', 'float64'] as const)
      for (const [M, K, N] of [[1, 2, 2], [2, 2, 1], [8, 8, 8], [8, 9, 8], [1, 600, 1], [3, 1, 200], [16, 16, 16]] as const) {
        const r = matmul(M, K, N, dtype);
        expect(r.maxErr, `${dtype} ${M}x${K}x${N}`).toBeLessThan(dtype === 'float32' ? 1e-5 : 1e-13);
        // d(sum(A @ B))/dA = row sums of B, for every row of A.
        const B = rand(K * N, 2);
        for (let i = 0; i < M; i++)
          for (let k = 0; k < K; k++) {
            let want = 0;
            for (let j = 0; j < N; j++) want += B[k * N + j]!;
            expect(Math.abs(r.gA[i * K + k]! - want)).toBeLessThan(dtype === 'float32' ? 1e-4 : 1e-12);
          }
      }
  });

  it('reports whether BLAS was built in', () => {
    const info = addon.blasInfo();
    expect(typeof info.available).toBe('boolean');
    if (!info.available) expect(addon.setBlas(true)).toBe(false);
  });
});
