// Element types of the wire format and their host representations.
//
// Every typed array here holds little-endian bytes: the base64 and binary
// forms of API.md are little-endian and are copied byte for byte into (and
// out of) these arrays, so the host must be little-endian too. Every platform
// Node 20 ships for is; we refuse to load elsewhere rather than silently
// swap numbers.

import { endianness } from 'node:os';

if (endianness() !== 'LE') {
  throw new Error('gradserve encoding requires a little-endian host');
}

export type DType = 'float32' | 'float64' | 'int64' | 'bool';

/** Host storage of a tensor's elements; bool is a Uint8Array of 0/1. */
export type TensorData = Float32Array | Float64Array | BigInt64Array | Uint8Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int64', 'bool'];

export function isDType(x: unknown): x is DType {
  return x === 'float32' || x === 'float64' || x === 'int64' || x === 'bool';
}

export function isFloatingDType(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

/** Bytes per element (torch's `element_size()`). */
export function bytesPerElement(d: DType): number {
  switch (d) {
    case 'float32':
      return 4;
    case 'float64':
    case 'int64':
      return 8;
    case 'bool':
      return 1;
  }
}

/** A zero-filled typed array of `n` elements of `d`. */
export function allocateData(d: DType, n: number): TensorData {
  switch (d) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'bool':
      return new Uint8Array(n);
  }
}

/**
 * A typed array of dtype `d` over `n` elements of `buffer` starting at
 * `byteOffset`, which must be a multiple of the element size (typed arrays
 * cannot view unaligned offsets: copy first, see `alignedCopy`).
 */
export function viewData(d: DType, buffer: ArrayBufferLike, byteOffset: number, n: number): TensorData {
  switch (d) {
    case 'float32':
      return new Float32Array(buffer, byteOffset, n);
    case 'float64':
      return new Float64Array(buffer, byteOffset, n);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, n);
    case 'bool':
      return new Uint8Array(buffer, byteOffset, n);
  }
}

/** Copies `bytes` (any alignment) into a fresh typed array of dtype `d`. */
export function alignedCopy(d: DType, bytes: Uint8Array): TensorData {
  const size = bytesPerElement(d);
  const out = allocateData(d, bytes.byteLength / size);
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
  return out;
}

/** The typed-array class that holds dtype `d` (for instanceof checks). */
export function dataMatchesDType(d: DType, data: TensorData): boolean {
  switch (d) {
    case 'float32':
      return data instanceof Float32Array;
    case 'float64':
      return data instanceof Float64Array;
    case 'int64':
      return data instanceof BigInt64Array;
    case 'bool':
      return data instanceof Uint8Array;
  }
}

/** Number of elements of `shape` (1 for a 0-d tensor). May exceed 2^53 for absurd shapes. */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** `[2, 3]` for messages. */
export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
