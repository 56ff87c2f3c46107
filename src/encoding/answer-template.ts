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
import { dataText, smallJsonAnswer } from './encode-text.js';
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

interface Template {
  /** The packed header this template was cut from, cost fields (1-3) excluded from comparison. */
  header: Float64Array;
  /** text[0] data(pieces[0]) text[1] ... data(pieces[n-1]) text[n] */
  text: string[];
  pieces: Piece[];
}

export class AnswerTemplate {
  private template: Template | undefined;
  private relearns = 0;

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
    let s = t.text[0]!;
    for (let i = 0; i < t.pieces.length; i++) {
      const p = t.pieces[i]!;
      s += dataText(p.dtype, p.shape, new Uint8Array(buffer, base + p.offset, p.bytes)) + t.text[i + 1]!;
    }
    return s;
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
    const length = packedHeaderLength(new Float64Array(buffer, base, packed.byteLength >> 3));
    this.template = { header: new Float64Array(buffer.slice(base, base + length * 8)), text, pieces };
    return this.render(packed);
  }
}
