// A small graph's JSON answer as a template. For one compiled graph, the text
// around the numbers — names, shapes, dtypes, brackets — is the same in every
// answer whose packed engine result (src/worker/packed-result.ts) has the same
// layout: the same entries with the same slots, dtypes, shapes and offsets.
// So the text is cut once at each tensor's data, and a later answer with that
// layout is written as the fixed pieces and the numbers read straight from the
// packed buffer: no unpacked tensors, no answer object, no walk over it.
// A layout that differs (shapes that depend on the data, e.g. nonzero) makes
// a new template; a graph whose layout keeps changing stops using them.
// The text is byte for byte smallJsonAnswer's (tested against it).
import { dataSkeleton, floatText, int64Text, smallJsonAnswer } from './encode-text.js';
import type { RawTensor } from './encode.js';
import { packedHeaderLength, packedLocation } from '../worker/packed-result.js';

/** A graph whose layout changed this many times writes its answers the general way. */
const MAX_RELEARNS = 8;
/** The separator cut into the text at each tensor's data: JSON escapes it everywhere else. */
const CUT = '\u0000';

interface Piece {
  dtype: RawTensor['dtype'];
  shape: number[];
  /** Offset of the tensor's bytes from the start of the packed result. */
  offset: number;
  bytes: number;
}

/** How a number of the answer is read from the packed result. */
const FLOAT32 = 0, FLOAT64 = 1, INT64 = 2, BOOL = 3;
const KINDS: Record<RawTensor['dtype'], { kind: number; size: number }> = {
  float32: { kind: FLOAT32, size: 4 },
  float64: { kind: FLOAT64, size: 8 },
  int64: { kind: INT64, size: 8 },
  bool: { kind: BOOL, size: 1 },
};

interface Template {
  /** The packed header this template was cut from, cost fields (1-3) excluded from comparison. */
  header: Float64Array;
  /** The fixed text before, between and after the answer's numbers: one more piece than numbers. */
  text: string[];
  /** Per number: how to read it, and its index in the packed result counted in its dtype's elements. */
  kinds: Uint8Array;
  at: Int32Array;
}

export class AnswerTemplate {
  private template: Template | undefined;
  private relearns = 0;
  private readonly parts: string[] = [];

  /** The answer text for this packed result when the current template fits it; else undefined. */
  render(packed: ArrayBuffer | Uint8Array): string | undefined {
    const t = this.template;
    if (!t) return undefined;
    const { buffer, base } = packedLocation(packed);
    if (packed.byteLength < t.header.byteLength) return undefined;
    const h = new Float64Array(buffer, base, t.header.length);
    const want = t.header;
    if (h[0] !== want[0]) return undefined;
    for (let i = 4; i < want.length; i++) if (h[i] !== want[i]) return undefined;
    // One view per dtype over the whole packed result (its start is 8-byte aligned), made when first needed.
    let f32: Float32Array | undefined, f64: Float64Array | undefined, i32: Int32Array | undefined, u8: Uint8Array | undefined;
    const { text, kinds, at } = t;
    const parts = this.parts;
    parts.length = 0;
    parts.push(text[0]!);
    for (let j = 0; j < kinds.length; j++) {
      const i = at[j]!;
      let v: string;
      switch (kinds[j]) {
        case FLOAT32:
          v = floatText((f32 ??= new Float32Array(buffer, base, packed.byteLength >> 2))[i]!);
          break;
        case FLOAT64:
          v = floatText((f64 ??= new Float64Array(buffer, base, packed.byteLength >> 3))[i]!);
          break;
        case INT64:
          v = int64Text((i32 ??= new Int32Array(buffer, base, packed.byteLength >> 2)), i);
          break;
        default:
          v = (u8 ??= new Uint8Array(buffer, base, packed.byteLength))[i] !== 0 ? 'true' : 'false';
      }
      parts.push(v, text[j + 1]!);
    }
    return parts.join('');
  }

  /**
   * Cuts a template from `body` (the answer object whose tensors are views
   * into `packed`, as unpackResult makes them) and returns the answer text;
   * undefined when the answer is not a small one (the caller writes it the
   * general way) or the layout keeps changing.
   */
  learn(packed: ArrayBuffer | Uint8Array, body: Record<string, unknown>): string | undefined {
    if (this.relearns >= MAX_RELEARNS) return undefined;
    if (this.template) this.relearns++;
    this.template = undefined;
    const { buffer, base } = packedLocation(packed);
    const pieces: Piece[] = [];
    let foreign = false;
    const cut = smallJsonAnswer(body, (t, bytes) => {
      if (bytes.buffer !== buffer) foreign = true;
      pieces.push({ dtype: t.dtype, shape: [...t.shape], offset: bytes.byteOffset - base, bytes: bytes.byteLength });
      return CUT;
    });
    const text = cut?.split(CUT);
    // Not a small answer (or one whose tensors are not all in the packed
    // result): this graph's answers are written the general way from now on.
    // (A CUT the walk did not write cannot occur: JSON escapes U+0000.)
    if (text === undefined || foreign || text.length !== pieces.length + 1) {
      this.relearns = MAX_RELEARNS;
      return undefined;
    }
    const flat = flatten(text, pieces);
    if (flat === undefined) {
      this.relearns = MAX_RELEARNS;
      return undefined;
    }
    const length = packedHeaderLength(new Float64Array(buffer, base, packed.byteLength >> 3));
    this.template = { header: new Float64Array(buffer.slice(base, base + length * 8)), ...flat };
    return this.render(packed);
  }
}

/**
 * The cut answer as fixed text around each single number: every tensor's
 * data becomes its brackets and commas (dataSkeleton) around its elements.
 * Undefined when a tensor's bytes are not aligned for its dtype in the packed
 * result (the engine aligns them; this keeps the views above exact).
 */
function flatten(cut: string[], pieces: Piece[]): Pick<Template, 'text' | 'kinds' | 'at'> | undefined {
  const text = [cut[0]!];
  const kinds: number[] = [];
  const at: number[] = [];
  for (let p = 0; p < pieces.length; p++) {
    const { dtype, shape, offset, bytes } = pieces[p]!;
    const { kind, size } = KINDS[dtype];
    if (offset % size !== 0) return undefined;
    const skeleton = dataSkeleton(shape);
    if (bytes !== (skeleton.length - 1) * size) return undefined;
    text[text.length - 1] += skeleton[0]!;
    for (let k = 1; k < skeleton.length; k++) {
      kinds.push(kind);
      at.push(offset / size + k - 1);
      text.push(skeleton[k]!);
    }
    text[text.length - 1] += cut[p + 1]!;
  }
  return { text, kinds: Uint8Array.from(kinds), at: Int32Array.from(at) };
}
