// OpenBLAS picks its kernels when the library loads. Debian 12's OpenBLAS
// (0.3.21) does not recognise some virtual CPUs and falls back to its slowest
// SSE3 ("Prescott") kernels: measured here, 16 GFLOP/s against 77 with the
// AVX-512 kernels for a 512³ sgemm. So unless the operator chose a core type,
// name the one the CPU's flags support before the addon (and OpenBLAS) loads.
import { readFileSync } from 'node:fs';

export function preferredOpenblasCore(cpuinfo: string): string | undefined {
  const flags = new Set(/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1]?.trim().split(/\s+/) ?? []);
  if (['avx512f', 'avx512bw', 'avx512vl', 'avx512dq'].every((f) => flags.has(f))) return 'SkylakeX';
  if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return undefined; // not x86 or an old CPU: OpenBLAS's own detection is fine
}

/** Sets OPENBLAS_CORETYPE (when unset) and OPENBLAS_NUM_THREADS=1 in `env`. */
export function configureBlasEnv(env: NodeJS.ProcessEnv = process.env): void {
  if (!env.OPENBLAS_CORETYPE) {
    let cpuinfo = '';
    try {
      cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      // no /proc (not Linux): leave the choice to OpenBLAS
    }
    const core = preferredOpenblasCore(cpuinfo);
    if (core) env.OPENBLAS_CORETYPE = core;
  }
  // One BLAS thread per worker: the pool is the parallelism.
  env.OPENBLAS_NUM_THREADS ??= '1';
}
