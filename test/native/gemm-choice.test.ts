// GEMM (src/gemm-choice.ts): openblas and builtin are applied as set; auto
// keeps OpenBLAS unless the built-in kernels measured at least 1.2× as fast;
// a build without OpenBLAS always uses the built-in kernels. /readyz shows the
// choice. The engine's backend is process-wide, so each test restores auto.
import { afterAll, describe, expect, it } from 'vitest';
import { applyGemmChoice } from '../../src/gemm-choice.js';
import { loadAddon, type NativeAddon } from '../../src/native.js';
import { testApp } from '../helpers.js';

const addon = loadAddon();
afterAll(() => {
  applyGemmChoice('auto', addon);
});

/** A stand-in addon: OpenBLAS linked or not, measured speeds, and what setBlas was told. */
function fake(available: boolean, speeds = { builtin: 100, blas: 100 }) {
  const calls: boolean[] = [];
  let measured = 0;
  const stub = {
    blasInfo: () => ({ available, enabled: calls.at(-1) ?? available, core: available ? 'Haswell' : 'none' }),
    setBlas: (on: boolean) => (calls.push(on), on && available),
    gemmSpeeds: () => (measured++, speeds),
  } as unknown as NativeAddon;
  return { stub, calls, measurements: () => measured };
}

describe('GEMM choice', () => {
  it('applies openblas and builtin as set, without measuring', () => {
    const f = fake(true);
    expect(applyGemmChoice('openblas', f.stub).backend).toBe('openblas');
    expect(applyGemmChoice('builtin', f.stub)).toEqual({ backend: 'builtin', why: 'GEMM=builtin' });
    expect(f.calls).toEqual([true, false]);
    expect(f.measurements()).toBe(0);
  });

  it('auto: the built-in kernels only when at least 1.2× as fast; measured once per addon', () => {
    const slow = fake(true, { builtin: 115, blas: 100 });
    expect(applyGemmChoice('auto', slow.stub)).toMatchObject({ backend: 'openblas', speeds: { builtin: 115, blas: 100 } });
    expect(applyGemmChoice('auto', slow.stub).why).toMatch(/1\.15× OpenBLAS/);
    expect(slow.measurements()).toBe(1);
    const fast = fake(true, { builtin: 190, blas: 100 });
    expect(applyGemmChoice('auto', fast.stub).backend).toBe('builtin');
    expect(fast.calls).toEqual([false]);
  });

  it('without OpenBLAS: the built-in kernels, whatever the setting', () => {
    for (const setting of ['auto', 'openblas', 'builtin'] as const) {
      const f = fake(false);
      expect(applyGemmChoice(setting, f.stub)).toMatchObject({ backend: 'builtin', why: /not linked/ });
      expect(f.measurements()).toBe(0);
    }
  });

  it('the engine measures both backends (GFLOP/s) and refuses odd sizes', () => {
    const s = addon.gemmSpeeds(64, 2);
    expect(s.builtin).toBeGreaterThan(0);
    expect(s.blas > 0).toBe(addon.blasInfo().available);
    expect(() => addon.gemmSpeeds(0, 1)).toThrow(/n must be in \[1, 2048\]/);
    expect(() => addon.gemmSpeeds(64, 1000)).toThrow(/reps in \[1, 100\]/);
  });

  it('/readyz shows the backend GEMM chose', async () => {
    for (const gemm of ['builtin', 'openblas'] as const) {
      const app = await testApp({ gemm });
      const r = await app.inject({ method: 'GET', url: '/readyz' });
      const want = gemm === 'builtin' || !addon.blasInfo().available ? 'built-in' : addon.blasInfo().core;
      expect(r.json().blas).toBe(want);
      await app.close();
    }
  });
});
