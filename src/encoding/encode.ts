// Host tensors -> response tensors (API.md "Tensors": `{shape, dtype, data}`
// with data nested like `Tensor.tolist()`, or `{shape, dtype, base64}`).
//
// Values are what `tolist()` gives: a float32 element is its exact value as
// a double (0.1f -> 0.10000000149011612), never re-rounded; int64 becomes a
// JS number (exact up to 2^53); bool becomes true/false; NaN and ±Infinity
// become the strings "NaN", "Infinity", "-Infinity" so the body stays JSON.
//
// Performance: rows of the last dimension are built by one tight loop per
// dtype into a preallocated array; higher dimensions recurse per row, never
// per element. int64 is read as (lo, hi) 32-bit pairs, so no BigInt is
// created per element.

import { randomBytes } from 'node:crypto';
import { ProblemError } from '../errors.js';
import { loadAddon } from '../native.js';
import { bytesPerElement, isDType, numelOf, shapeStr, type DType, type TensorData } from './dtype.js';

/** A nested JSON value as `Tensor.tolist()` gives it (a bare scalar for 0-d). */
export type NestedData = number | boolean | string | NestedData[];

export interface JsonTensor {
  shape: number[];
  dtype: DType;
  data: NestedData;
}

export interface Base64Tensor {
  shape: number[];
  dtype: DType;
  /** little-endian bytes, row-major */
  base64: string;
}

export type EncodedTensor = JsonTensor | Base64Tensor;

export type TensorEncoding = 'json' | 'base64';

/** A tensor as the engine returns it (`data` an ArrayBuffer) or as decodeTensor gives it. */
export interface RawTensor {
  dtype: DType;
  shape: number[];
  data: ArrayBuffer | TensorData;
}

export function encodeTensor(t: RawTensor, encoding: 'json'): JsonTensor;
export function encodeTensor(t: RawTensor, encoding: 'base64'): Base64Tensor;
export function encodeTensor(t: RawTensor, encoding: TensorEncoding): EncodedTensor;
export function encodeTensor(t: RawTensor, encoding: TensorEncoding): EncodedTensor {
  const bytes = rawBytes(t);
  const shape = t.shape.slice();
  if (encoding === 'base64') {
    return { shape, dtype: t.dtype, base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  }
  return { shape, dtype: t.dtype, data: toNested(t.dtype, shape, bytes) };
}

/** A raw tensor: `shape` an array, `dtype` a dtype name, `data` an ArrayBuffer or a view of one. */
export function isRawTensor(v: unknown): v is RawTensor {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return Array.isArray(o.shape) && isDType(o.dtype) && (o.data instanceof ArrayBuffer || ArrayBuffer.isView(o.data));
}

/**
 * Copies a response body, replacing every raw tensor (see isRawTensor) by
 * `f(tensor)`; other values are copied as they are (undefined object members
 * are dropped, as JSON.stringify would). Arrays and plain objects are walked
 * to a depth of 64.
 */
export function mapRawTensors(body: unknown, f: (t: RawTensor) => unknown): unknown {
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (depth > 64) throw new ProblemError('internal', 'response nested too deeply to encode');
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
    if (isRawTensor(v)) return f(v);
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = Object.create(null); // keys like "__proto__" stay plain keys
    for (const k of Object.keys(o)) {
      const x = walk(o[k], depth + 1);
      if (x !== undefined) out[k] = x;
    }
    return out;
  };
  return walk(body, 0);
}

/**
 * The JSON counterpart of encodeBinaryResponse: every raw tensor of a response
 * body becomes `{shape, dtype, data}` (or `{shape, dtype, base64}`), other
 * keys of the tensor object kept.
 */
export function encodeResponse(body: Record<string, unknown>, encoding: TensorEncoding): Record<string, unknown> {
  return mapRawTensors(body, (t) => {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(t)) if (k !== 'data' && k !== 'shape' && k !== 'dtype') out[k] = (t as unknown as Record<string, unknown>)[k];
    return Object.assign(out, encodeTensor(t, encoding));
  }) as Record<string, unknown>;
}

/**
 * The JSON answer as bytes: byte for byte the UTF-8 of
 * `JSON.stringify(encodeResponse(body, encoding))`, built without the
 * megabytes of tensor data ever passing through JSON.stringify.
 *
 * The body's skeleton is stringified with a placeholder string in each
 * tensor's `base64` (or `data`) member, and the tensors' text is written
 * between the pieces of that text:
 * - base64 straight into the output buffer: no escaping scan of ASCII that
 *   needs none, no UTF-16 string -> UTF-8 pass (1M float32: ≈ 3 ms against
 *   ≈ 30 ms for stringify + Buffer.from);
 * - nested numbers by the engine's writer (native/json_text.h): no JS array
 *   per row and no number formatting in JSON.stringify (1M float32 on the
 *   bench VM: 56 ms on reused memory, 75–118 ms on fresh, against 230–310 ms
 *   for toNested + stringify + Buffer.from; bench/README, ninth round).
 * A placeholder is `"<nonce>:<i>"` with a fresh 128-bit random nonce per call,
 * so no string of the body (names are the client's) can be mistaken for one.
 */
export function encodeResponseBytes(body: Record<string, unknown>, encoding: TensorEncoding): Buffer {
  const member = encoding === 'base64' ? 'base64' : 'data';
  const nonce = `gs-${member}-${randomBytes(16).toString('hex')}:`;
  const tensors: Array<{ t: RawTensor; bytes: Uint8Array }> = [];
  const skeleton = mapRawTensors(body, (t) => {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(t)) if (k !== 'data' && k !== 'shape' && k !== 'dtype') out[k] = (t as unknown as Record<string, unknown>)[k];
    out.shape = t.shape.slice();
    out.dtype = t.dtype;
    out[member] = nonce + tensors.length;
    tensors.push({ t, bytes: rawBytes(t) }); // rawBytes checks the byte count before anything is written
    return out;
  });
  const { pieces, order } = cutAtPlaceholders(JSON.stringify(skeleton), nonce);
  const inOrder = order.map((i) => tensors[i]!);
  return encoding === 'base64' ? writeBase64Answer(pieces, inOrder) : writeNestedAnswer(pieces, inOrder);
}

/** The text around each `"<nonce><i>"` placeholder (quotes cut out), and each placeholder's i. */
function cutAtPlaceholders(text: string, nonce: string): { pieces: string[]; order: number[] } {
  const pieces: string[] = [];
  const order: number[] = [];
  const open = '"' + nonce;
  let at = 0;
  for (;;) {
    const p = text.indexOf(open, at);
    if (p < 0) break;
    const end = text.indexOf('"', p + open.length);
    pieces.push(text.slice(at, p));
    order.push(Number(text.slice(p + open.length, end)));
    at = end + 1;
  }
  pieces.push(text.slice(at));
  return { pieces, order };
}

function writeBase64Answer(pieces: string[], tensors: Array<{ bytes: Uint8Array }>): Buffer {
  const blobs = tensors.map((x) => x.bytes);
  let size = 0;
  for (const piece of pieces) size += Buffer.byteLength(piece, 'utf8');
  for (const b of blobs) size += 2 + 4 * Math.ceil(b.byteLength / 3);
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  for (let j = 0; j < pieces.length; j++) {
    off += out.write(pieces[j]!, off, 'utf8');
    if (j < blobs.length) {
      const b = blobs[j]!;
      out[off++] = 0x22; // "
      off += out.write(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64'), off, 'latin1');
      out[off++] = 0x22;
    }
  }
  return out;
}

function writeNestedAnswer(pieces: string[], tensors: Array<{ t: RawTensor; bytes: Uint8Array }>): Buffer {
  let text: Uint8Array;
  try {
    text = loadAddon().jsonAnswer(
      pieces,
      tensors.map(({ t, bytes }) => ({ dtype: t.dtype, shape: t.shape, data: bytes })),
    );
  } catch (e) {
    // More than 2 GiB of JSON text (tens of millions of numbers): the other encodings stay possible.
    if ((e as { code?: string }).code === 'GS_limit') throw new ProblemError('tooLarge', (e as Error).message);
    throw e;
  }
  return Buffer.from(text.buffer, text.byteOffset, text.byteLength);
}

/** The tensor's bytes, checked against shape and dtype. */
export function rawBytes(t: RawTensor): Uint8Array {
  const d = t.data;
  const bytes = d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const expected = numelOf(t.shape) * bytesPerElement(t.dtype);
  if (bytes.byteLength !== expected) {
    throw new ProblemError(
      'internal',
      `tensor data has ${bytes.byteLength} bytes but shape ${shapeStr(t.shape)} of ${t.dtype} needs ${expected}`,
    );
  }
  return bytes;
}

const TWO_32 = 4294967296;

interface Source {
  kind: number;
  f32: Float32Array;
  f64: Float64Array;
  i32: Int32Array;
  u8: Uint8Array;
  shape: number[];
  last: number;
  k: number;
}

const EMPTY_F32 = new Float32Array(0);
const EMPTY_F64 = new Float64Array(0);
const EMPTY_I32 = new Int32Array(0);

/** Nested `tolist()` data of the row-major little-endian `bytes`. */
export function toNested(dtype: DType, shape: readonly number[], bytes: Uint8Array): NestedData {
  // Typed arrays cannot view an unaligned offset: copy in that (rare) case.
  const size = bytesPerElement(dtype);
  if (bytes.byteOffset % size !== 0) bytes = bytes.slice();
  const n = bytes.byteLength / size;
  const src: Source = {
    kind: 0,
    f32: EMPTY_F32,
    f64: EMPTY_F64,
    i32: EMPTY_I32,
    u8: bytes,
    shape: shape.length === 0 ? [1] : shape.slice(),
    last: shape.length === 0 ? 0 : shape.length - 1,
    k: 0,
  };
  switch (dtype) {
    case 'float32':
      src.kind = 0;
      src.f32 = new Float32Array(bytes.buffer, bytes.byteOffset, n);
      break;
    case 'float64':
      src.kind = 1;
      src.f64 = new Float64Array(bytes.buffer, bytes.byteOffset, n);
      break;
    case 'int64':
      src.kind = 2;
      src.i32 = new Int32Array(bytes.buffer, bytes.byteOffset, 2 * n);
      break;
    case 'bool':
      src.kind = 3;
      break;
  }
  const rows = build(0, src);
  return shape.length === 0 ? rows[0]! : rows;
}

// Every array built here is PACKED (grown by push from empty), never created
// as `new Array(n)`: V8 keeps a preallocated array HOLEY forever, and
// JSON.stringify serialises holey arrays element by element through the slow
// generic path. Measured on 1M float32 elements: push costs ~30 ms more to
// build but stringifying the answer takes ~30 % less (≈ 480 -> 330 ms), and the
// serialiser is the largest single cost of a big JSON answer. A float row
// starts as a one-element double literal, popped, so it is PACKED_DOUBLE from
// the start (no SMI -> DOUBLE transition and copy on the first fraction).

function build(dim: number, s: Source): NestedData[] {
  const n = s.shape[dim]!;
  if (dim === s.last) {
    const k = s.k;
    s.k = k + n;
    switch (s.kind) {
      case 0:
        return rowF32(s.f32, k, n);
      case 1:
        return rowF64(s.f64, k, n);
      case 2:
        return rowI64(s.i32, k, n);
      default:
        return rowBool(s.u8, k, n);
    }
  }
  const out: NestedData[] = [];
  for (let i = 0; i < n; i++) out.push(build(dim + 1, s));
  return out;
}

/** An empty array whose elements kind is already PACKED_DOUBLE. */
function doubleRow(): NestedData[] {
  const r: NestedData[] = [0.5];
  r.pop();
  return r;
}

function rowF32(a: Float32Array, k: number, n: number): NestedData[] {
  const r = doubleRow();
  for (let i = 0; i < n; i++) {
    const v = a[k + i]!;
    r.push(v - v === 0 ? v : nonFiniteString(v));
  }
  return r;
}

function rowF64(a: Float64Array, k: number, n: number): NestedData[] {
  const r = doubleRow();
  for (let i = 0; i < n; i++) {
    const v = a[k + i]!;
    r.push(v - v === 0 ? v : nonFiniteString(v));
  }
  return r;
}

function rowI64(a: Int32Array, k: number, n: number): NestedData[] {
  const r: NestedData[] = [];
  for (let i = 0; i < n; i++) {
    const j = 2 * (k + i);
    // hi * 2^32 is exact; the sum rounds once, exactly as Number(bigint) does.
    r.push(a[j + 1]! * TWO_32 + (a[j]! >>> 0));
  }
  return r;
}

function rowBool(a: Uint8Array, k: number, n: number): NestedData[] {
  const r: NestedData[] = [];
  for (let i = 0; i < n; i++) r.push(a[k + i]! !== 0);
  return r;
}

function nonFiniteString(v: number): string {
  return v !== v ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}
