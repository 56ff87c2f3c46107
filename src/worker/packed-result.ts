// Reads the engine's packed answer to a real run (native/addon/prepared.cc,
// pack_result): one ArrayBuffer, a float64 header and then the tensors' bytes.
// The tensors become views into that buffer: nothing is copied.
import type { NativeResult, NativeSlot, NativeTensor } from '../native.js';

const DTYPES = ['float32', 'float64', 'int64', 'bool'] as const;

/** Where a packed answer lies: a whole ArrayBuffer, or a view at an 8-byte aligned offset into a batch's. */
export function packedLocation(packed: ArrayBuffer | Uint8Array): { buffer: ArrayBuffer; base: number } {
  return packed instanceof ArrayBuffer ? { buffer: packed, base: 0 } : { buffer: packed.buffer as ArrayBuffer, base: packed.byteOffset };
}

/** A packed answer's cost (its header's second to fourth numbers), without unpacking it. */
export function packedCost(packed: ArrayBuffer | Uint8Array): { bytes: number; flops: number; ops: number } {
  const { buffer, base } = packedLocation(packed);
  const h = new Float64Array(buffer, base, 4);
  return { bytes: h[1]!, flops: h[2]!, ops: h[3]! };
}

/** The numbers in a packed answer's header: [count, bytes, flops, ops], then per entry [slot, pos, dtype, ndim, shape..., offset]. */
export function packedHeaderLength(h: Float64Array): number {
  let k = 4;
  for (let e = 0; e < h[0]!; e++) k += 5 + h[k + 3]!;
  return k;
}

/** Unpacks an answer: a whole ArrayBuffer, or a view at an 8-byte aligned offset into a batch's. */
export function unpackResult(packed: ArrayBuffer | Uint8Array): NativeResult {
  const { buffer: buf, base } = packedLocation(packed);
  const count = new Float64Array(buf, base, 1)[0]!;
  // The header's length is only known while reading it; it is at most the whole answer.
  const h = new Float64Array(buf, base, Math.floor(packed.byteLength / 8));
  const slots: NativeSlot[] = [];
  const grads: NativeTensor[] = [];
  const cost = { bytes: h[1]!, flops: h[2]!, ops: h[3]! };
  let k = 4;
  for (let e = 0; e < count; e++) {
    const slot = h[k++]!;
    const pos = h[k++]!;
    const dtype = h[k++]!;
    const ndim = h[k++]!;
    const shape: number[] = new Array(ndim);
    for (let d = 0; d < ndim; d++) shape[d] = h[k++]!;
    const offset = base + h[k++]!;
    if (pos === -2) {
      slots[slot] = [];
      continue;
    }
    let t: NativeTensor | null = null;
    if (dtype >= 0) {
      const name = DTYPES[dtype]!;
      let n = 1;
      for (const d of shape) n *= d;
      t = { shape, dtype: name, data: new Uint8Array(buf, offset, n * (name === 'float32' ? 4 : name === 'bool' ? 1 : 8)) };
    }
    if (slot < 0) grads[-1 - slot] = t as NativeTensor;
    else if (pos === -1) slots[slot] = t;
    else ((slots[slot] ??= []) as NativeTensor[])[pos] = t as NativeTensor;
  }
  return { slots, grads, cost };
}
