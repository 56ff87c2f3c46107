// Text templates of /v1/graph bodies: the fast hit (fast-hit.ts) one step
// earlier, on the body's bytes instead of its parsed value. A client sending
// the same request again with new numbers (a training loop, a load test)
// sends the same text around new number tokens; once a body of a layout has
// been seen, its text with the number tokens cut out (the skeleton) is kept,
// and a later body is matched against it byte for byte, its numbers read
// straight into the packed buffer. No JSON.parse, no walk of the parsed
// value, no fast-hit match: on the 2-2-2 request those were ~60k of ~295k
// instructions (bench/instructions.js with a callgrind profile: JSON.parse
// 42k, fastMatch 16k). Equal skeletons are equal JSON texts but for the
// values of their numbers, so a match is exactly the body the template was
// learned from, with these numbers: the same keys, the same JSON limits, the
// same validation outcome, the same compiled graph. Anything else — another
// layout, other spacing or key order, a number where the skeleton has none —
// is a miss, and the body takes the general path with its checks and errors.
import { fastMatch, isPlainGraphBody, type Layout } from './fast-hit.js';
import type { GraphBody } from './compile.js';
import type { IRGraph } from './ir.js';
import { loadAddon, type NativeAddon } from '../native.js';
import { packedBytes } from './packed-slab.js';

/** A /v1/graph body matched by a template: the compiled graph with its data packed. */
export class GraphTextHit {
  constructor(
    readonly graph: IRGraph,
    readonly encoding: 'json' | 'base64' | undefined,
  ) {}
}

interface BodyTemplate {
  /** The learned body's bytes with its number tokens cut out. */
  skeleton: Uint8Array;
  /** End of piece k in the skeleton; piece k comes before number k, the last piece after the last number. */
  pieceEnds: Int32Array;
  /** Index of number k's element in the packed buffer's float32 (or, where `wide` says so, float64) view. */
  targets: Int32Array;
  wide: Uint8Array | undefined;
  layout: Layout;
  encoding: 'json' | 'base64' | undefined;
}

/** Bodies longer than this are not templated (the layouts pack at most 64 KiB of data). */
const MAX_BODY_BYTES = 512 * 1024;
/** Templates learned per layout, at most: a client that changes its spacing or key order every time does not make every request learn. */
const LEARNS_PER_LAYOUT = 8;
/** Templates kept, at most, and their bytes (skeletons and targets) in all. */
const MAX_TEMPLATES = 256;
const MAX_TEMPLATE_BYTES = 16 * 1024 * 1024;

export class BodyTemplates {
  /** Templates by the hash of their skeleton (skeletonHash), oldest first. */
  private readonly byHash = new Map<number, BodyTemplate>();
  /** The template matched or learned last: a client repeats itself, so it is tried first. */
  private last: BodyTemplate | undefined;
  private readonly learns = new WeakMap<Layout, number>();
  private heldBytes = 0;
  /** The longest body any template matches with number tokens of MAX_TOKEN_CHARS on average. */
  private longest = 0;
  /** The numbers of the body being matched. */
  private values = new Float64Array(64);
  private addon: NativeAddon | undefined;

  /** The graph of a body that matches a template, with its numbers packed; undefined on a miss. */
  match(bytes: Uint8Array): GraphTextHit | undefined {
    if (bytes.length > MAX_BODY_BYTES || this.byHash.size === 0) return undefined;
    let t = this.last;
    if (t === undefined || !this.read(bytes, t)) {
      // Another client's body, or none of ours: find its template by the
      // skeleton's hash — unless no template could match a body this long
      // (hashing costs ~2 ns per byte, a third of JSON.parse's time).
      if ((this.byHash.size === 1 && t !== undefined) || bytes.length > this.longest) return undefined;
      const other = this.byHash.get(skeletonHash(bytes));
      if (other === undefined || other === t || !this.read(bytes, other)) return undefined;
      t = other;
      this.last = t;
    }
    const { layout, targets, wide } = t;
    const values = this.values;
    const n = targets.length;
    const packed = packedBytes(layout.bytes);
    const { buffer, byteOffset } = packed;
    if (wide === undefined) {
      const out = new Float32Array(buffer, byteOffset, layout.bytes >> 2);
      for (let k = 0; k < n; k++) out[targets[k]!] = values[k]!;
    } else {
      const f32 = new Float32Array(buffer, byteOffset, layout.bytes >> 2);
      const f64 = new Float64Array(buffer, byteOffset, layout.bytes >> 3);
      for (let k = 0; k < n; k++) (wide[k] === 1 ? f64 : f32)[targets[k]!] = values[k]!;
    }
    // As fastMatch: `packed` replaces a key the graph already has (a spread adding one is slow on Node 20).
    return new GraphTextHit({ ...layout.graph, packed }, t.encoding);
  }

  /**
   * Whether the body is the template's skeleton with a JSON number token in
   * each of its gaps; the numbers' values go to this.values. One native call
   * (matchJsonTemplate: memcmp per piece, std::from_chars per number, rounded
   * as JSON.parse rounds): a JavaScript loop cost ~30 instructions per byte.
   */
  private read(b: Uint8Array, t: BodyTemplate): boolean {
    const n = t.targets.length;
    if (this.values.length < n) this.values = new Float64Array(n);
    return (this.addon ??= loadAddon()).matchJsonTemplate(b, t.skeleton, t.pieceEnds, this.values);
  }

  /**
   * Learns the template of a body the general path parsed and the fast hit
   * matched with `layout` (so its numbers are exactly its inputs' elements).
   * Gives up quietly on anything unusual (a duplicate key, a number outside
   * the inputs' data): that body keeps taking the general path.
   */
  learn(bytes: Uint8Array, body: GraphBody & { encoding?: unknown }, layout: Layout): void {
    if (bytes.length > MAX_BODY_BYTES) return;
    const tries = this.learns.get(layout) ?? 0;
    if (tries >= LEARNS_PER_LAYOUT) return;
    this.learns.set(layout, tries + 1);
    if (!isPlainGraphBody(body)) return;
    const tokens = { starts: [] as number[], ends: [] as number[] };
    const hash = skeletonHash(bytes, tokens);
    if (hash === 0) return;
    const starts = Int32Array.from(tokens.starts);
    const ends = Int32Array.from(tokens.ends);
    let where: ReturnType<typeof placeNumbers>;
    try {
      where = placeNumbers(bytes, starts, ends, layout);
    } catch {
      return; // the text with its numbers renumbered is not JSON: cannot happen for a parsed body, but then no template
    }
    if (where === undefined) return;
    const n = starts.length;
    let cut = 0;
    for (let k = 0; k < n; k++) cut += ends[k]! - starts[k]!;
    const skeleton = new Uint8Array(bytes.length - cut);
    const pieceEnds = new Int32Array(n + 1);
    let from = 0;
    let at = 0;
    for (let k = 0; k <= n; k++) {
      const to = k < n ? starts[k]! : bytes.length;
      skeleton.set(bytes.subarray(from, to), at);
      at += to - from;
      pieceEnds[k] = at;
      if (k < n) from = ends[k]!;
    }
    const encoding = body.encoding === 'json' || body.encoding === 'base64' ? body.encoding : undefined;
    const t: BodyTemplate = { skeleton, pieceEnds, targets: where.targets, wide: where.wide, layout, encoding };
    this.forget(hash); // re-inserted last: the Map's order is the order of learning
    this.byHash.set(hash, t);
    this.heldBytes += sizeOf(t);
    while (this.byHash.size > MAX_TEMPLATES || this.heldBytes > MAX_TEMPLATE_BYTES) this.forget(this.byHash.keys().next().value!);
    this.longest = 0;
    for (const x of this.byHash.values()) this.longest = Math.max(this.longest, longestBody(x));
    this.last = t;
  }

  private forget(hash: number): void {
    const t = this.byHash.get(hash);
    if (t === undefined) return;
    this.byHash.delete(hash);
    this.heldBytes -= sizeOf(t);
    if (this.last === t) this.last = undefined;
  }
}

/** Number tokens longer than this on average (a float's 17 digits with sign, point and exponent take 24) are not looked up by hash. */
const MAX_TOKEN_CHARS = 32;
const longestBody = (t: BodyTemplate) => t.skeleton.length + MAX_TOKEN_CHARS * t.targets.length;

const sizeOf = (t: BodyTemplate) => t.skeleton.length + t.pieceEnds.byteLength + t.targets.byteLength + (t.wide?.length ?? 0);

const QUOTE = 0x22, BACKSLASH = 0x5c, MINUS = 0x2d, PLUS = 0x2b, DOT = 0x2e, ZERO = 0x30, NINE = 0x39, LOWER_E = 0x65, UPPER_E = 0x45;

/**
 * The hash of a body's skeleton, and the bounds of its number tokens when
 * `tokens` is given. A JSON text walked as far as a template cares: strings
 * are skipped whole (digits inside them, a program's constants, are text, as
 * JSON.parse reads them); a '-' or digit elsewhere starts a number token.
 * The hash is FNV-1a of the bytes outside number tokens with a '#' for each
 * number: the key a body's template is found by when it is not the last one
 * matched (only a key: a match still compares every byte). 0 when the text is
 * not JSON a template could hold (an unterminated string, a number token JSON
 * does not allow).
 */
function skeletonHash(b: Uint8Array, tokens?: { starts: number[]; ends: number[] }): number {
  const len = b.length;
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) {
    const c = b[i]!;
    if (c === MINUS || (c >= ZERO && c <= NINE)) {
      const end = numberEnd(b, i);
      if (end < 0) return 0;
      if (tokens !== undefined) tokens.starts.push(i), tokens.ends.push(end);
      h = Math.imul(h ^ 0x23, 0x01000193);
      i = end - 1;
      continue;
    }
    h = Math.imul(h ^ c, 0x01000193);
    if (c !== QUOTE) continue;
    for (i++; ; i++) {
      if (i >= len) return 0;
      const d = b[i]!;
      h = Math.imul(h ^ d, 0x01000193);
      if (d === QUOTE) break;
      if (d === BACKSLASH) {
        if (++i >= len) return 0;
        h = Math.imul(h ^ b[i]!, 0x01000193);
      }
    }
  }
  return h >>> 0 || 1; // 0 says "refused"
}

/**
 * End of the JSON number token at i (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?),
 * or -1 when none starts there; the grammar of native/json_text.cc
 * json_number_end, which reads the numbers of a match.
 */
function numberEnd(b: Uint8Array, i: number): number {
  const len = b.length;
  const digit = (j: number) => j < len && b[j]! >= ZERO && b[j]! <= NINE;
  if (b[i] === MINUS) i++;
  if (!digit(i)) return -1;
  if (b[i] === ZERO) i++;
  else while (digit(i)) i++;
  if (i < len && b[i] === DOT) {
    if (!digit(++i)) return -1;
    while (digit(i)) i++;
  }
  if (i < len && (b[i] === LOWER_E || b[i] === UPPER_E)) {
    i++;
    if (i < len && (b[i] === PLUS || b[i] === MINUS)) i++;
    if (!digit(i)) return -1;
    while (digit(i)) i++;
  }
  return i;
}

/**
 * Where each number of the text goes: the text is parsed again with number k
 * written as the integer k, and matched by fastMatch itself, so the packed
 * buffer says which element each number became — by the very rules a parsed
 * body's numbers are placed by (JSON.parse's, with a repeated key's last
 * value kept, then the fast hit's). Undefined unless every number lands in
 * exactly one element: a number JSON.parse drops (a repeated key's first
 * value) or one outside the inputs' data makes the text unfit for a template.
 */
function placeNumbers(bytes: Uint8Array, starts: Int32Array, ends: Int32Array, layout: Layout): { targets: Int32Array; wide: Uint8Array | undefined } | undefined {
  const n = starts.length;
  const parts: Uint8Array[] = [];
  let from = 0;
  for (let k = 0; k < n; k++) {
    parts.push(bytes.subarray(from, starts[k]!), Buffer.from(String(k), 'latin1'));
    from = ends[k]!;
  }
  parts.push(bytes.subarray(from));
  const marked = JSON.parse(Buffer.concat(parts).toString('utf8')) as GraphBody;
  const graph = isPlainGraphBody(marked) ? fastMatch(layout, marked) : undefined;
  if (graph?.packed === undefined) return undefined;
  const { buffer, byteOffset } = graph.packed;
  const targets = new Int32Array(n).fill(-1);
  const wide = new Uint8Array(n);
  let placed = 0;
  for (const input of layout.inputs) {
    const isWide = input.dtype === 'float64';
    const view = isWide ? new Float64Array(buffer, byteOffset, layout.bytes >> 3) : new Float32Array(buffer, byteOffset, layout.bytes >> 2);
    const first = input.offset / view.BYTES_PER_ELEMENT;
    const count = input.shape.reduce((a, d) => a * d, 1);
    for (let j = first; j < first + count; j++) {
      const k = view[j]!;
      if (!Number.isInteger(k) || k < 0 || k >= n || targets[k] !== -1) return undefined;
      targets[k] = j;
      wide[k] = isWide ? 1 : 0;
      placed++;
    }
  }
  return placed === n ? { targets, wide: wide.includes(1) ? wide : undefined } : undefined;
}
