// A graph's program as a worker receives it: an id and the IR (op list, input
// dtypes and shapes, constants, outputs, backward), serialized once per
// program into a one-byte string. A worker deserializes it only the first time
// it meets the id and keeps the engine's prepared form (src/worker/prepared.ts).
// The string still travels with every job: a flat string is the cheapest thing
// structured clone copies (a SharedArrayBuffer or a typed array costs more per
// message than a few KB of text), and its size grows with the op list, which a
// run costs far more than.
import { serialize } from 'node:v8';
import { LRUCache } from 'lru-cache';
import type { TensorData } from '../encoding/index.js';
import { packedBytes } from './packed-slab.js';
import type { IRBackward, IRGraph, IRInput, IRNode } from './ir.js';

export interface ProgramRef {
  id: number;
  /** v8-serialized PreparedIR as a latin1 string (v8 serialization keeps NaN, ±Infinity and typed arrays). */
  ir: string;
  /** What the program's last real run cost (set from its answer; the pool batches cheap programs). */
  lastCost?: { flops: number; ops: number };
}

/** What addon.prepare reads: constants carry data, the other inputs only dtype and shape. */
export interface PreparedIR {
  inputs: Array<Omit<IRInput, 'data' | 'constant'> & { data?: TensorData }>;
  nodes: IRNode[];
  outputs: number[];
  backward: IRBackward | undefined;
}

type TypedArrayOf<T> = new (buffer: ArrayBuffer, byteOffset: number, length: number) => T;

let nextId = 1;

// Same IR bytes, same program: the key is the serialization itself. Bounded
// by total bytes (keys and buffers) so no client can grow it without limit.
const interned = new LRUCache<string, ProgramRef>({
  max: 4096,
  maxSize: 64 * 1024 * 1024,
  sizeCalculation: (_ref, key) => key.length,
});

/** The data each run brings, in input order (constants excluded). */
export function requestData(g: IRGraph): Array<TensorData | undefined> {
  const out: Array<TensorData | undefined> = [];
  for (const i of g.inputs) if (!i.constant) out.push(i.data);
  return out;
}

// Small inputs travel packed in one buffer: structured clone costs per typed
// array, and copying a few KB is cheaper than moving several buffers. Large
// ones travel as their own buffers, moved (transferred), never copied.
export const PACK_LIMIT_BYTES = 64 * 1024;

/** requestData, packed into one buffer (8-byte aligned offsets, input order) when small. */
export function jobData(g: IRGraph): Array<TensorData | undefined> | Uint8Array {
  if (g.packed) return g.packed; // packed while decoding (ir/fast-hit.ts)
  const data = requestData(g);
  let total = 0;
  for (const d of data) {
    if (!d) return data; // a dry run given shapes only
    total += (d.byteLength + 7) & ~7;
  }
  if (total > PACK_LIMIT_BYTES) return data;
  // Each input is copied through a view of its own type: reading `.buffer`
  // of a small typed array (V8 keeps those on its heap) would make V8 move
  // its bytes off-heap first, ~1 µs per input.
  const packed = packedBytes(total);
  let off = packed.byteOffset;
  for (const d of data as TensorData[]) {
    new (d.constructor as TypedArrayOf<typeof d>)(packed.buffer, off, d.length).set(d as never);
    off += (d.byteLength + 7) & ~7;
  }
  return packed;
}

/**
 * A copy of an IR value in which every array is one v8 serializes as dense.
 * An array V8 keeps as "holey" (made by `new Array(n)`, as a declared shape is
 * read, or grown past its end) serializes as a sparse one even when every
 * element is set, and a spread or slice keeps that kind; equal programs must
 * give equal bytes to share an id. Typed arrays (constants' data) are kept.
 */
function canonical<T>(v: T): T {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) out.push(canonical(x));
    return out as T;
  }
  if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = canonical(x);
  return out as T;
}

/** The program of a compiled graph, interned: equal IRs share one id. */
export function programOf(g: IRGraph): ProgramRef {
  if (g.program) return g.program;
  const ir: PreparedIR = {
    inputs: g.inputs.map((i) =>
      i.constant
        ? { dtype: i.dtype, shape: i.shape, requiresGrad: i.requiresGrad, wrapped: i.wrapped, ...(i.data ? { data: i.data } : {}) }
        : { dtype: i.dtype, shape: i.shape, requiresGrad: i.requiresGrad, wrapped: i.wrapped },
    ),
    nodes: g.nodes,
    outputs: g.outputs.map((o) => o.slot),
    backward: g.backward,
  };
  const key = serialize(canonical(ir)).toString('latin1');
  let ref = interned.get(key);
  if (!ref) {
    ref = { id: nextId++, ir: key };
    interned.set(key, ref);
  }
  g.program = ref;
  return ref;
}
