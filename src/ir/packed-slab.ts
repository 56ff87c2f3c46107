// Small packed job buffers (program-ref.ts jobData, fast-hit.ts), cut from
// shared slabs: a new ArrayBuffer costs ~0.9 µs on Node 20 (its backing store,
// its registration with the garbage collector), a view into a slab ~0.1 µs.
// A slab is never reused: it is zero-filled once, cut front to back, and freed
// by the garbage collector once no view of it is left, so no request ever sees
// another's bytes. Views start at 8-byte aligned offsets, as the engine reads
// float64 and int64 data in place. A view that leaves this thread whole (a job
// posted to a worker alone) must be copied first: structured clone would copy
// the whole slab (pool.ts).

const SLAB_BYTES = 16 * 1024;
/** Larger buffers get an ArrayBuffer of their own (their copy costs more than its allocation). */
const MAX_CUT_BYTES = 2 * 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/** `n` zeroed bytes at an 8-byte aligned offset of a slab (or a buffer of their own when large). */
export function packedBytes(n: number): Uint8Array<ArrayBuffer> {
  if (n > MAX_CUT_BYTES) return new Uint8Array(n);
  const size = (n + 7) & ~7;
  if (used + size > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const view = new Uint8Array(slab, used, n);
  used += size;
  return view;
}
