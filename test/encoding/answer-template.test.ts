// Answer templates (src/encoding/answer-template.ts): an answer written from a
// template is byte for byte the one smallJsonAnswer writes from the unpacked
// tensors, for every layout (tensors, list slots, empty lists, undefined
// tensors, gradients; every dtype; 0-d and empty shapes; names that JSON
// escapes) and for new data in the same layout; a changed layout is never
// written with the old template.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnswerTemplate } from '../../src/encoding/answer-template.js';
import { smallJsonAnswer } from '../../src/encoding/encode-text.js';
import type { DType } from '../../src/encoding/index.js';
import { unpackResult } from '../../src/worker/packed-result.js';

const DTYPE_CODE: Record<DType, number> = { float32: 0, float64: 1, int64: 2, bool: 3 };
const SIZE: Record<DType, number> = { float32: 4, float64: 8, int64: 8, bool: 1 };

/** One entry of a packed answer: an output slot (or list item, or empty list), or a gradient. */
interface Entry {
  slot: number; // -1 - i for gradient i
  pos: number; // -1: a tensor slot; k: item k of a list slot; -2: an empty list
  tensor?: { dtype: DType; shape: number[] };
}

/** A packed answer as native/addon/prepared.cc pack_result writes it, bytes from `seed`, at `lead` bytes into its buffer. */
function pack(entries: Entry[], seed: number, lead = 0): Uint8Array {
  const header = 4 + entries.reduce((n, e) => n + 5 + (e.tensor ? e.tensor.shape.length : 0), 0);
  const nbytes = (e: Entry) => (e.tensor ? e.tensor.shape.reduce((a, b) => a * b, 1) * SIZE[e.tensor.dtype] : 0);
  let total = header * 8;
  for (const e of entries) total += (nbytes(e) + 7) & ~7;
  const buf = new ArrayBuffer(lead + total);
  const h = new Float64Array(buf, lead, header);
  h.set([entries.length, 1000 + seed, 2000 + seed, 3 + seed]); // cost: differs per run, never part of the layout
  let k = 4;
  let off = header * 8;
  let x = seed >>> 0;
  const bytes = new Uint8Array(buf, lead);
  for (const e of entries) {
    h[k++] = e.slot;
    h[k++] = e.pos;
    h[k++] = e.tensor ? DTYPE_CODE[e.tensor.dtype] : -1;
    h[k++] = e.tensor ? e.tensor.shape.length : 0;
    for (const d of e.tensor?.shape ?? []) h[k++] = d;
    h[k++] = off;
    const n = nbytes(e);
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      bytes[off + i] = e.tensor!.dtype === 'bool' ? (x >>> 16) & 1 : x >>> 24;
    }
    off += (n + 7) & ~7;
  }
  return new Uint8Array(buf, lead, total);
}

/** The answer object the graph route builds from an unpacked answer (routes/graph.ts answerBody). */
function body(packed: Uint8Array, outputs: Array<[string, number]>, grads: string[] | undefined): Record<string, unknown> {
  const r = unpackResult(packed);
  const o: Record<string, unknown> = Object.create(null);
  for (const [name, slot] of outputs) o[name] = r.slots[slot] ?? null;
  const answer: Record<string, unknown> = { outputs: o };
  if (grads) {
    const g: Record<string, unknown> = Object.create(null);
    grads.forEach((n, i) => {
      if (r.grads[i]) g[n] = r.grads[i];
    });
    answer.grads = g;
  }
  return answer;
}

const tensorArb = fc.record({
  dtype: fc.constantFrom<DType>('float32', 'float64', 'int64', 'bool'),
  shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
});

/** A layout: output slots (tensor, undefined, list, empty list) with names, and gradients (some undefined). */
const slotArb = fc.oneof(
  tensorArb.map((t) => ({ kind: 'tensor' as const, t })),
  fc.constant({ kind: 'none' as const }),
  fc.array(tensorArb, { maxLength: 3 }).map((items) => ({ kind: 'list' as const, items })),
);
const layoutArb = fc
  .record({
    slots: fc.array(slotArb, { maxLength: 4 }),
    names: fc.uniqueArray(fc.string({ maxLength: 5 }), { minLength: 4, maxLength: 4 }),
    grads: fc.option(fc.array(fc.option(tensorArb, { nil: undefined }), { maxLength: 3 }), { nil: undefined }),
    gradNames: fc.uniqueArray(fc.string({ maxLength: 4 }), { minLength: 3, maxLength: 3 }),
  })
  .map(({ slots, names, grads, gradNames }) => {
    const entries: Entry[] = [];
    slots.forEach((s, slot) => {
      if (s.kind === 'tensor') entries.push({ slot, pos: -1, tensor: s.t });
      else if (s.kind === 'none') entries.push({ slot, pos: -1 });
      else if (s.items.length === 0) entries.push({ slot, pos: -2 });
      else s.items.forEach((t, pos) => entries.push({ slot, pos, tensor: t }));
    });
    grads?.forEach((t, i) => entries.push({ slot: -1 - i, pos: -1, ...(t ? { tensor: t } : {}) }));
    const outputs = slots.map((_s, slot) => [names[slot]!, slot] as [string, number]);
    return { entries, outputs, gradNames: grads ? gradNames.slice(0, grads.length) : undefined };
  });

describe('AnswerTemplate', () => {
  it('writes what smallJsonAnswer writes, for the answer it learnt from and for new data in the same layout', () => {
    fc.assert(
      fc.property(layoutArb, fc.integer(), fc.integer(), fc.nat(3), ({ entries, outputs, gradNames }, s1, s2, lead) => {
        const template = new AnswerTemplate();
        const first = pack(entries, s1);
        expect(template.render(first)).toBeUndefined(); // nothing learnt yet
        expect(template.learn(first, body(first, outputs, gradNames))).toBe(smallJsonAnswer(body(first, outputs, gradNames)));
        // New data (and a view at an 8-byte multiple into a larger buffer, as in a batch's answers).
        const next = pack(entries, s2, lead * 8);
        expect(template.render(next)).toBe(smallJsonAnswer(body(next, outputs, gradNames)));
      }),
      { numRuns: 400 },
    );
  });

  it('does not render an answer whose layout differs: a shape, a dtype, an entry more, an undefined tensor', () => {
    const base: Entry[] = [
      { slot: 0, pos: -1, tensor: { dtype: 'float32', shape: [2, 2] } },
      { slot: 1, pos: 0, tensor: { dtype: 'int64', shape: [] } },
      { slot: -1, pos: -1, tensor: { dtype: 'float32', shape: [2] } },
    ];
    const outputs: Array<[string, number]> = [['y', 0], ['parts', 1]];
    const template = new AnswerTemplate();
    const first = pack(base, 1);
    template.learn(first, body(first, outputs, ['w']));
    const variants: Entry[][] = [
      [{ ...base[0]!, tensor: { dtype: 'float32', shape: [4] } }, base[1]!, base[2]!],
      [{ ...base[0]!, tensor: { dtype: 'float64', shape: [2, 2] } }, base[1]!, base[2]!],
      [base[0]!, base[1]!, { slot: 1, pos: 1, tensor: { dtype: 'int64', shape: [] } }, base[2]!],
      [base[0]!, base[1]!, { slot: -1, pos: -1 }],
    ];
    for (const v of variants) expect(template.render(pack(v, 2))).toBeUndefined();
    expect(template.render(pack(base, 3))).toBe(smallJsonAnswer(body(pack(base, 3), outputs, ['w'])));
  });

  it('learns a new layout, and stops after it changed 8 times', () => {
    const outputs: Array<[string, number]> = [['y', 0]];
    const layout = (n: number): Entry[] => [{ slot: 0, pos: -1, tensor: { dtype: 'float64', shape: [n] } }];
    const template = new AnswerTemplate();
    for (let n = 1; n <= 9; n++) {
      const p = pack(layout(n), n);
      expect(template.render(p)).toBeUndefined();
      expect(template.learn(p, body(p, outputs, undefined))).toBe(smallJsonAnswer(body(p, outputs, undefined)));
      expect(template.render(pack(layout(n), 100 + n))).toBeDefined();
    }
    const p = pack(layout(10), 10);
    expect(template.learn(p, body(p, outputs, undefined))).toBeUndefined();
  });

  it('declines an answer that is not small (more than 4096 elements) for good', () => {
    const big: Entry[] = [{ slot: 0, pos: -1, tensor: { dtype: 'float32', shape: [4097] } }];
    const template = new AnswerTemplate();
    const p = pack(big, 1);
    expect(template.learn(p, body(p, [['y', 0]], undefined))).toBeUndefined();
    const small: Entry[] = [{ slot: 0, pos: -1, tensor: { dtype: 'float32', shape: [2] } }];
    const q = pack(small, 1);
    expect(template.learn(q, body(q, [['y', 0]], undefined))).toBeUndefined();
    expect(template.render(q)).toBeUndefined();
  });

  it('declines an answer with a tensor outside the packed result', () => {
    const entries: Entry[] = [{ slot: 0, pos: -1, tensor: { dtype: 'float32', shape: [2] } }];
    const p = pack(entries, 1);
    const answer = body(p, [['y', 0]], undefined);
    (answer.outputs as Record<string, unknown>).extra = { shape: [1], dtype: 'float32', data: new Uint8Array(4) };
    expect(new AnswerTemplate().learn(p, answer)).toBeUndefined();
  });
});
