// Small JSON answers written straight to text. A small graph's answer (a
// dozen tensors of a few elements) cost ~15 µs on the main thread as
// encodeResponse's objects and then JSON.stringify's walk over them. Written
// in one pass it costs a few µs. The text is byte for byte
// JSON.stringify(encodeResponse(body, 'json')); anything this writer does not
// expect (a large answer, a typed array outside a tensor, a toJSON method,
// a class instance, a malformed tensor, deep nesting) makes it return undefined
// so the caller takes that general path, errors included.
import { bytesPerElement, numelOf } from './dtype.js';
import { isRawTensor, rawBytes, type RawTensor } from './encode.js';

/** Elements above which the general path (PACKED arrays + JSON.stringify) is as fast. */
const MAX_ELEMENTS = 4096;
const MAX_DEPTH = 64; // as mapRawTensors

class NotSmall extends Error {}

/** Writes a tensor's `data` text instead of its numbers (answer templates: src/encoding/answer-template.ts). */
export type DataTextOverride = (t: RawTensor, bytes: Uint8Array) => string;

interface Walk {
  elements: number;
  writeData: DataTextOverride | undefined;
}

/**
 * The JSON text of `body` with every raw tensor as `{shape, dtype, data}`, or
 * undefined (see above). `writeData`, when given, writes each tensor's data.
 */
export function smallJsonAnswer(body: Record<string, unknown>, writeData?: DataTextOverride): string | undefined {
  const budget: Walk = { elements: MAX_ELEMENTS, writeData };
  try {
    return value(body, 0, budget);
  } catch (e) {
    if (e instanceof NotSmall) return undefined;
    throw e;
  }
}

function value(v: unknown, depth: number, budget: Walk): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'object':
      break;
    default:
      throw new NotSmall(); // undefined, functions, bigint: JSON.stringify's own rules
  }
  if (depth > MAX_DEPTH) throw new NotSmall();
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += ',';
      const x = v[i];
      s += x === undefined || typeof x === 'function' ? 'null' : value(x, depth + 1, budget);
    }
    return s + ']';
  }
  if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) throw new NotSmall();
  const proto = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || typeof (v as { toJSON?: unknown }).toJSON === 'function') throw new NotSmall();
  if (isRawTensor(v)) return tensor(v, budget);
  const o = v as Record<string, unknown>;
  let s = '{';
  let first = true;
  for (const k of Object.keys(o)) {
    const x = o[k];
    if (x === undefined || typeof x === 'function') continue;
    s += (first ? '' : ',') + quote(k) + ':' + value(x, depth + 1, budget);
    first = false;
  }
  return s + '}';
}

function tensor(t: RawTensor, budget: Walk): string {
  const n = numelOf(t.shape);
  budget.elements -= n;
  if (budget.elements < 0) throw new NotSmall();
  let bytes: Uint8Array;
  try {
    bytes = rawBytes(t);
  } catch {
    throw new NotSmall(); // the general path raises the error
  }
  if (bytes.byteOffset % bytesPerElement(t.dtype) !== 0) throw new NotSmall();
  let s = '{';
  const o = t as unknown as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k === 'data' || k === 'shape' || k === 'dtype' || o[k] === undefined || typeof o[k] === 'function') continue;
    s += quote(k) + ':' + value(o[k], 1, budget) + ',';
  }
  s += '"shape":[';
  for (let d = 0; d < t.shape.length; d++) s += (d > 0 ? ',' : '') + t.shape[d]!;
  s += '],"dtype":"' + t.dtype + '","data":';
  return s + (budget.writeData ? budget.writeData(t, bytes) : dataText(t.dtype, t.shape, bytes)) + '}';
}

/** A tensor's `data` as JSON text: nested rows, or the bare value of a 0-d tensor. `bytes` is aligned for the dtype. */
export function dataText(dtype: RawTensor['dtype'], shape: readonly number[], bytes: Uint8Array): string {
  const read = reader(dtype, bytes, numelOf(shape));
  const rows = nested(shape.length === 0 ? [1] : shape, 0, read, { k: 0 });
  // A 0-d tensor is its bare value; nested() wrapped it in a one-element row.
  return shape.length === 0 ? rows.slice(1, -1) : rows;
}

function nested(shape: readonly number[], dim: number, read: (i: number) => string, at: { k: number }): string {
  const n = shape[dim]!;
  let s = '[';
  if (dim === shape.length - 1) {
    for (let i = 0; i < n; i++) s += (i > 0 ? ',' : '') + read(at.k++);
  } else {
    for (let i = 0; i < n; i++) s += (i > 0 ? ',' : '') + nested(shape, dim + 1, read, at);
  }
  return s + ']';
}

/** A key as JSON.stringify writes it; printable ASCII without quotes or backslashes needs no escaping. */
function quote(k: string): string {
  for (let i = 0; i < k.length; i++) {
    const c = k.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(k);
  }
  return '"' + k + '"';
}

/** Element i as JSON text, exactly as encode.ts's rows give it to JSON.stringify. */
function reader(dtype: RawTensor['dtype'], bytes: Uint8Array, n: number): (i: number) => string {
  switch (dtype) {
    case 'float32': {
      const a = new Float32Array(bytes.buffer, bytes.byteOffset, n);
      return (i) => floatText(a[i]!);
    }
    case 'float64': {
      const a = new Float64Array(bytes.buffer, bytes.byteOffset, n);
      return (i) => floatText(a[i]!);
    }
    case 'int64': {
      const a = new Int32Array(bytes.buffer, bytes.byteOffset, 2 * n);
      return (i) => int64Text(a, i);
    }
    case 'bool':
      return (i) => (bytes[i] !== 0 ? 'true' : 'false');
  }
}

/** A float element as JSON text: non-finite values are the strings API.md gives. */
export function floatText(v: number): string {
  return v - v === 0 ? String(v) : v !== v ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"';
}

const TWO_32 = 4294967296;

/** Element i of int64 data read as (low, high) int32 pairs, as JSON text. */
export function int64Text(pairs: Int32Array, i: number): string {
  return String(pairs[2 * i + 1]! * TWO_32 + (pairs[2 * i]! >>> 0));
}

/**
 * The text of a tensor's `data` around its elements, as dataText writes it:
 * numel + 1 pieces, element i going between pieces i and i + 1.
 */
export function dataSkeleton(shape: readonly number[]): string[] {
  const cut = '\u0000'; // JSON text never holds it raw
  const rows = nested(shape.length === 0 ? [1] : shape, 0, () => cut, { k: 0 });
  return (shape.length === 0 ? rows.slice(1, -1) : rows).split(cut);
}
