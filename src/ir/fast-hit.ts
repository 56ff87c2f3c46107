// The compile cache's fast hit (graph-cache.ts): a program sent again with
// inputs of the same names, dtypes, shapes and requires_grad flags, the same
// outputs and backward. The general hit decodes every input into a typed array
// of its own, builds the cache key text and hashes it, then packs the arrays
// into the job's buffer (program-ref.ts jobData): ~6 µs for the 2-2-2 net.
// Here the body is compared with the layouts last compiled for its program
// text, and the numbers go straight into the packed buffer at the offsets
// jobData would give them. Only the plain forms take this path — a number,
// nested arrays, or {data, requires_grad?, dtype?: float32 | float64} — and
// only numbers as elements; anything else (base64, strings, booleans, a
// ragged or differently shaped array) makes it decline, and the general path
// decodes the body, with its checks and its error messages.
import type { DecodedInput, GraphBody } from './compile.js';
import type { IRGraph } from './ir.js';
import { packedBytes } from './packed-slab.js';
import { PACK_LIMIT_BYTES } from './program-ref.js';

type FloatDType = 'float32' | 'float64';

interface LayoutInput {
  name: string;
  dtype: FloatDType;
  shape: number[];
  requiresGrad: boolean;
  /** Byte offset in the packed buffer (8-byte aligned, as jobData packs). */
  offset: number;
}

/** A compiled graph (without data) and the request shape it was compiled for. */
export interface Layout {
  graph: IRGraph;
  inputs: LayoutInput[];
  bytes: number;
  outputs: string[] | undefined;
  backward: { of: string | null; wrt: string[] | null } | undefined;
}

/** An input in a plain form: its data (a number or nested arrays), dtype and flag; undefined for any other form. */
function plain(v: unknown): { data: unknown; dtype: FloatDType; requiresGrad: boolean } | undefined {
  if (typeof v === 'number' || Array.isArray(v)) return { data: v, dtype: 'float32', requiresGrad: false };
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  for (const k in o) if (k !== 'data' && k !== 'requires_grad' && k !== 'dtype') return undefined;
  const { data, requires_grad: rg, dtype } = o;
  if (!(typeof data === 'number' || Array.isArray(data))) return undefined;
  if (rg !== undefined && typeof rg !== 'boolean') return undefined;
  if (dtype !== undefined && dtype !== 'float32' && dtype !== 'float64') return undefined;
  return { data, dtype: dtype ?? 'float32', requiresGrad: rg === true };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function isStringArray(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false;
  return true;
}

/**
 * Whether a /v1/graph body is valid as it stands: a program with its inputs
 * in the plain forms above, and outputs, backward {of, wrt} and encoding of
 * the right types, and no other key. Such a body is one zod's
 * GraphRequestSchema accepts and gives back unchanged (nothing to strip, no
 * default to fill), so the route skips zod's walk for it (~17k instructions
 * inclusive on the 2-2-2 body in a callgrind profile); anything else is
 * validated by zod, with its messages. test/ir/plain-graph-body.test.ts holds both halves of this
 * promise against the schema on random bodies.
 */
export function isPlainGraphBody(v: unknown): boolean {
  if (!isObject(v)) return false;
  for (const k in v) if (k !== 'inputs' && k !== 'program' && k !== 'outputs' && k !== 'backward' && k !== 'encoding') return false;
  if (typeof v.program !== 'string') return false;
  if (v.encoding !== undefined && v.encoding !== 'json' && v.encoding !== 'base64') return false;
  const inputs = v.inputs;
  if (!isObject(inputs)) return false;
  for (const k in inputs) if (plain(inputs[k]) === undefined) return false;
  if (v.outputs !== undefined && !isStringArray(v.outputs)) return false;
  const bw = v.backward;
  if (bw === undefined) return true;
  if (!isObject(bw)) return false;
  for (const k in bw) if (k !== 'of' && k !== 'wrt') return false;
  return (bw.of === undefined || typeof bw.of === 'string') && (bw.wrt === undefined || isStringArray(bw.wrt));
}

/** A real run of a program, without grad_output: the requests a layout can describe. */
function fastForm(body: GraphBody): boolean {
  return typeof body.program === 'string' && body.nodes === undefined && body.dry_run !== true && (body.backward?.grad_output ?? null) === null;
}

/**
 * The layout of a body the general path compiled (`graph` without data), or
 * undefined when the body could not take the fast path anyway.
 */
export function layoutOf(body: GraphBody, decoded: DecodedInput[], graph: IRGraph): Layout | undefined {
  if (!fastForm(body)) return undefined;
  const inputs: LayoutInput[] = [];
  let offset = 0;
  for (const { name, tensor } of decoded) {
    const form = plain(body.inputs?.[name]);
    if (!form || form.dtype !== tensor.dtype || !tensor.data) return undefined;
    inputs.push({ name, dtype: form.dtype, shape: [...tensor.shape], requiresGrad: tensor.requiresGrad, offset });
    offset += (tensor.data.byteLength + 7) & ~7;
  }
  if (offset > PACK_LIMIT_BYTES) return undefined; // jobData would not pack these
  const bw = body.backward;
  return {
    graph: { ...graph, packed: undefined },
    inputs,
    bytes: offset,
    outputs: body.outputs ? [...body.outputs] : undefined,
    backward: bw ? { of: bw.of ?? null, wrt: bw.wrt ? [...bw.wrt] : null } : undefined,
  };
}

/** Whether two layouts describe the same requests. */
export function sameLayout(a: Layout, b: Layout): boolean {
  return (
    a.inputs.length === b.inputs.length &&
    a.inputs.every((x, i) => {
      const y = b.inputs[i]!;
      return x.name === y.name && x.dtype === y.dtype && x.requiresGrad === y.requiresGrad && sameStrings(x.shape, y.shape);
    }) &&
    sameStrings(a.outputs, b.outputs) &&
    (a.backward === undefined) === (b.backward === undefined) &&
    (a.backward === undefined || (a.backward.of === b.backward!.of && sameStrings(a.backward.wrt, b.backward!.wrt)))
  );
}

function sameStrings<T>(a: readonly T[] | null | undefined, b: readonly T[] | null | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The graph of `layout` with this body's data packed, when the body matches
 * the layout in every respect the cache key holds and every element is a
 * number; otherwise undefined (nothing of the body is kept).
 */
export function fastMatch(layout: Layout, body: GraphBody): IRGraph | undefined {
  if (!fastForm(body) || !sameStrings(body.outputs, layout.outputs)) return undefined;
  const bw = body.backward;
  if ((bw === undefined) !== (layout.backward === undefined)) return undefined;
  if (bw && ((bw.of ?? null) !== layout.backward!.of || !sameStrings(bw.wrt ?? null, layout.backward!.wrt))) return undefined;
  const given = body.inputs ?? {};
  const names = Object.keys(given);
  if (names.length !== layout.inputs.length) return undefined;
  const forms = [];
  for (let i = 0; i < names.length; i++) {
    const want = layout.inputs[i]!;
    if (names[i] !== want.name) return undefined;
    const form = plain(given[want.name]);
    if (!form || form.dtype !== want.dtype || form.requiresGrad !== want.requiresGrad || !hasShape(form.data, want.shape)) return undefined;
    forms.push(form.data);
  }
  const packed = packedBytes(layout.bytes);
  const { buffer, byteOffset } = packed;
  let f32: Float32Array | undefined;
  let f64: Float64Array | undefined;
  for (let i = 0; i < forms.length; i++) {
    const { dtype, shape, offset } = layout.inputs[i]!;
    const out = dtype === 'float32' ? (f32 ??= new Float32Array(buffer, byteOffset, layout.bytes >> 2)) : (f64 ??= new Float64Array(buffer, byteOffset, layout.bytes >> 3));
    const start = offset / out.BYTES_PER_ELEMENT;
    if (shape.length === 0) out[start] = forms[i] as number;
    else if (fill(forms[i] as unknown[], shape, 0, out, start) < 0) return undefined;
  }
  // `packed` replaces a key the template already has: on Node 20's V8, a
  // spread followed by a key the source lacks takes ~1.5 µs (a slow path),
  // one that replaces a key ~30 ns.
  return { ...layout.graph, packed };
}

/** Whether nested arrays `data` have `shape` along their first elements (the fill checks every row). */
function hasShape(data: unknown, shape: readonly number[]): boolean {
  let node = data;
  for (let d = 0; d < shape.length; d++) {
    if (!Array.isArray(node) || node.length !== shape[d]) return false;
    // An empty array ends the measured shape (as decode.ts measures it); the fill checks the other rows.
    if (node.length === 0) return d === shape.length - 1;
    node = node[0];
  }
  return !Array.isArray(node);
}

/** Writes rows of numbers from index k on; the next index, or -1 at a ragged row or a non-number. */
function fill(rows: unknown[], shape: readonly number[], dim: number, out: Float32Array | Float64Array, k: number): number {
  const n = shape[dim]!;
  if (rows.length !== n) return -1;
  if (dim === shape.length - 1) {
    for (let i = 0; i < n; i++) {
      const v = rows[i];
      if (typeof v !== 'number') return -1;
      out[k + i] = v;
    }
    return k + n;
  }
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    if (!Array.isArray(row)) return -1;
    k = fill(row, shape, dim + 1, out, k);
    if (k < 0) return -1;
  }
  return k;
}
