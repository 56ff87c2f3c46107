// Which GEMM the engine's products use (GEMM): OpenBLAS when the build linked
// it, or the built-in kernels (native/gemm.cc). `auto` times both once per
// process on a 256³ float32 product and keeps OpenBLAS unless the built-in
// kernels are at least AUTO_MARGIN times as fast: on an AMD EPYC VM (AVX-512)
// they ran 1.7–1.9× Debian's OpenBLAS 0.3.21, on an Intel one level with it.
// The choice holds for the whole process (every worker thread shares the
// addon) and is logged and shown by /readyz. Replicas on different hardware
// may choose differently, and the two backends differ in the last bits of a
// product: set GEMM explicitly where results must match across replicas.
import type { NativeAddon } from './native.js';

export type GemmSetting = 'auto' | 'openblas' | 'builtin';

export interface GemmChoice {
  backend: 'openblas' | 'builtin';
  why: string;
  /** GFLOP/s measured by `auto` (blas 0 when OpenBLAS is not linked). */
  speeds?: { builtin: number; blas: number };
}

/** The built-in kernels must be this much faster for `auto` to leave OpenBLAS. */
const AUTO_MARGIN = 1.2;
const CALIBRATION_N = 256;
const CALIBRATION_REPS = 3;

// Measured once per addon, i.e. once per process (tests pass stand-ins).
const measured = new WeakMap<NativeAddon, { builtin: number; blas: number }>();

/** Applies `setting` to the engine and says what it chose and why. */
export function applyGemmChoice(setting: GemmSetting, addon: NativeAddon): GemmChoice {
  if (!addon.blasInfo().available) {
    addon.setBlas(false);
    return { backend: 'builtin', why: 'OpenBLAS is not linked into this build' };
  }
  if (setting !== 'auto') {
    addon.setBlas(setting === 'openblas');
    return { backend: setting, why: `GEMM=${setting}` };
  }
  let speeds = measured.get(addon);
  if (!speeds) {
    speeds = addon.gemmSpeeds(CALIBRATION_N, CALIBRATION_REPS);
    measured.set(addon, speeds);
  }
  const builtin = speeds.builtin >= AUTO_MARGIN * speeds.blas;
  addon.setBlas(!builtin);
  const ratio = (speeds.builtin / speeds.blas).toFixed(2);
  return {
    backend: builtin ? 'builtin' : 'openblas',
    why: `GEMM=auto: the built-in kernels ran ${ratio}× OpenBLAS on a ${CALIBRATION_N}³ float32 product (they are chosen at ${AUTO_MARGIN}× or more)`,
    speeds,
  };
}
