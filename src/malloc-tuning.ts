// Keeps freed native memory for reuse (MALLOC_RETAIN_BYTES). glibc returns a
// freed block of ≥ 128 KiB-32 MiB (its threshold moves) to the system at
// once, and trims the heap's free top above 128 KiB, so every large body,
// answer and packed result lands on fresh pages that the kernel faults in
// one by one. On the bench VM that cost ~3 ms per MB — more than writing the
// bytes: a 1M-element JSON request (20 MB each way) took ~1.4× as long as
// with the memory kept (bench/README, ninth round). With the mmap threshold
// at glibc's largest (32 MiB) and the trim threshold at MALLOC_RETAIN_BYTES,
// up to that much freed memory stays mapped per arena and is reused warm.
// What the operator set for glibc itself wins.
import type { NativeAddon } from './native.js';

/** glibc's largest M_MMAP_THRESHOLD on 64-bit systems. */
const MMAP_THRESHOLD = 32 * 1024 * 1024;

/** Environment variables by which glibc's own settings are given. */
const GLIBC_SETTINGS = ['MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_THRESHOLD_', 'GLIBC_TUNABLES'];

export interface MallocTuning {
  applied: boolean;
  why: string;
}

export function tuneMalloc(retainBytes: number, addon: NativeAddon, env: NodeJS.ProcessEnv = process.env): MallocTuning {
  if (retainBytes === 0) return { applied: false, why: 'MALLOC_RETAIN_BYTES=0: glibc defaults' };
  const own = GLIBC_SETTINGS.find((k) => env[k] !== undefined && env[k] !== '');
  if (own) return { applied: false, why: `${own} is set: glibc's own settings` };
  if (!addon.tuneMalloc(MMAP_THRESHOLD, retainBytes)) return { applied: false, why: 'the C library is not glibc (or refused the values)' };
  return { applied: true, why: `up to ${retainBytes} bytes of freed memory kept per arena; blocks below ${MMAP_THRESHOLD} bytes from the heap` };
}
