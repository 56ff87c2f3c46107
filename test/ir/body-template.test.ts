// Text templates of /v1/graph bodies (src/ir/body-template.ts): a body whose
// bytes match a template learned from an earlier body of the same layout gets
// exactly the graph and packed bytes the general path (JSON.parse, compile)
// gives it — for every JSON spelling of its numbers — and any body that is
// not the template's text with other numbers is a miss, left to the general
// path with its checks and errors.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { GraphBody } from '../../src/ir/compile.js';
import { GraphCompiler } from '../../src/ir/graph-cache.js';
import type { IRGraph } from '../../src/ir/ir.js';
import { jobData, programOf } from '../../src/ir/program-ref.js';

const cfg = loadConfig({}, { logLevel: 'silent' });

const packedOf = (g: IRGraph) => Array.from(jobData(g) as Uint8Array);

/** What a fresh compiler makes of the text: the general path. */
function general(text: string): IRGraph {
  return new GraphCompiler(cfg).compile(JSON.parse(text) as GraphBody);
}

/** A compiler that has been sent these texts as the route sends them: a template first, else parsed (bytes noted) and compiled. */
function taught(texts: string[], compiler = new GraphCompiler(cfg)): GraphCompiler {
  for (const text of texts) {
    if (compiler.matchText(Buffer.from(text))) continue;
    const body = JSON.parse(text) as GraphBody;
    compiler.parsedFrom(body, Buffer.from(text));
    compiler.compile(body);
  }
  return compiler;
}

function expectGeneral(g: IRGraph, text: string): void {
  const want = general(text);
  expect(programOf(g).ir).toBe(programOf(want).ir);
  expect(g.outputs).toEqual(want.outputs);
  expect(g.wrtNames).toEqual(want.wrtNames);
  expect(packedOf(g)).toEqual(packedOf(want));
}

/** Ways JSON can spell a number: each a function of a double giving a valid JSON token. */
const spellings: Array<(v: number) => string> = [
  (v) => String(v),
  (v) => v.toExponential(),
  (v) => v.toExponential(3).toUpperCase(),
  (v) => v.toExponential(2).replace('e+', 'e'),
  (v) => v.toFixed(20), // 20 decimals: more than 15 significant digits, read by Number()
  (v) => (Math.abs(v) < 1e21 ? v.toFixed(2) : String(v)),
  (v) => String(Math.trunc(v)),
  (v) => v.toPrecision(17),
];
/** Tokens that are JSON numbers but no toString spells: signed zero, overflow, underflow, long mantissas, big exponents. */
const oddTokens = ['-0', '0', '-0.0', '0e0', '1e400', '-1e400', '1e-400', '123456789012345678901234567890', '0.000000000000000000000000001', '4.9e-324', '1.7976931348623157e308', '3.4028235677973366e38', '1E+2', '1e-22', '1e22', '1e23', '9007199254740993', '0.1', '100000000000000000000000e-10',
  // Hard roundings for a reader (ties, the subnormal edge, the largest double's edge).
  '2.2250738585072011e-308', '2.2250738585072012e-308', '1.00000000000000011102230246251565404236316680908203125', '1.00000000000000011102230246251565404236316680908203124',
  '4.9406564584124654e-324', '2.4703282292062328e-324', '2.4703282292062327e-324', '-2.4703282292062327e-324', '1.7976931348623158e308', '1.7976931348623159e308', '-1.7976931348623159e308',
  `0.${'0'.repeat(400)}1`, `1${'0'.repeat(400)}`, `-1${'0'.repeat(308)}.5`, `0.${'0'.repeat(1000)}1e1310`, `-0.${'0'.repeat(1000)}1e700`, `0.${'0'.repeat(1000)}1e1000`, `${'1'.repeat(400)}e-600`, `1${'0'.repeat(400)}e-800`, '1e99999999999', '-1e-99999999999', '0.30000000000000004', '123456789012345.6', '8.98846567431158e307'];

const tokenArb = fc.oneof(
  fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: spellings.length - 1 })).map(([v, s]) => spellings[s]!(v)),
  fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 4 })).map(([m, d]) => (m / 10 ** d).toString()),
  fc.constantFrom(...oddTokens),
  // Any token JSON's grammar allows, up to 30 digits each side and 4 of exponent.
  fc.stringMatching(/^-?(0|[1-9][0-9]{0,29})(\.[0-9]{1,30})?([eE][+-]?[0-9]{1,4})?$/),
);

type Spec = { shape: number[]; dtype: 'float32' | 'float64' | undefined; requiresGrad: boolean; bare: boolean };

const specArb = fc.record({
  shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  dtype: fc.constantFrom('float32', 'float64', undefined),
  requiresGrad: fc.boolean(),
  bare: fc.boolean(),
});

/** Nested arrays of `shape`, each element a placeholder string "@k@". */
function holes(shape: number[], next: () => string): unknown {
  if (shape.length === 0) return next();
  return Array.from({ length: shape[0]! }, () => holes(shape.slice(1), next));
}

/**
 * A body's text for `specs` (spaced by `indent`), its numbers the given
 * tokens in order (cycled). The same specs and indent give the same skeleton.
 */
function textOf(specs: Spec[], indent: string | number, tokens: string[], extra: Record<string, unknown> = {}): string {
  let k = 0;
  const inputs: Record<string, unknown> = {};
  specs.forEach((s, i) => {
    const data = holes(s.shape, () => `@${k++}@`);
    inputs[`x${i}`] = s.bare && s.dtype === undefined && !s.requiresGrad ? data : { data, ...(s.dtype ? { dtype: s.dtype } : {}), ...(s.requiresGrad ? { requires_grad: true } : {}) };
  });
  const body = { inputs, program: 'y = x0.sum() * 2.5e0 + 1', ...extra };
  return JSON.stringify(body, null, indent).replace(/"@(\d+)@"/g, (_, n: string) => tokens[Number(n) % Math.max(tokens.length, 1)] ?? '0');
}

const indentArb = fc.constantFrom(0, 1, 2, '\t', ' \r\n');

describe('text templates of /v1/graph bodies', () => {
  it('read a new body of a known text exactly as JSON.parse and the compiler do, whatever the spelling of its numbers', () => {
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: 4 }), indentArb, fc.array(tokenArb, { minLength: 1, maxLength: 12 }), fc.array(tokenArb, { minLength: 1, maxLength: 12 }), fc.boolean(), (specs, indent, first, next, withBackward) => {
        const extra = withBackward && specs[0]!.requiresGrad ? { outputs: ['y'], backward: { of: 'y', wrt: ['x0'] } } : {};
        const seen = textOf(specs, indent, first, extra);
        const compiler = taught([seen, seen]);
        const text = textOf(specs, indent, next, extra);
        const hit = compiler.matchText(Buffer.from(text));
        expect(hit).toBeDefined();
        expectGeneral(hit!.graph, text);
      }),
      { numRuns: 400 },
    );
  });

  it('miss on any body that is not the template with other numbers, or match it only as the general path reads it', () => {
    // Replacements for one number token: none of them a JSON number.
    const notNumbers = ['01', '00', '-01', '00.5', '-', '1.', '.5', '+1', '1e', '1e+', '--1', '0x1', 'NaN', 'Infinity', '-Infinity', 'true', 'null', '"1"', '[1]', '1 2', '1,2', '', ' ', '1.5.5', '1e5e5', '٣'];
    const specs: Spec[] = [
      { shape: [2, 2], dtype: undefined, requiresGrad: true, bare: false },
      { shape: [3], dtype: 'float64', requiresGrad: false, bare: false },
      { shape: [], dtype: undefined, requiresGrad: false, bare: true },
    ];
    const seen = textOf(specs, 1, ['0.5', '-2', '3e-3']);
    const compiler = taught([seen, seen]);
    const good = textOf(specs, 1, ['1.25', '7', '-0.125', '4']);
    expect(compiler.matchText(Buffer.from(good))).toBeDefined();
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom(...notNumbers), fc.boolean(), (where, which, byte, bad, replaceNumber) => {
        let text: string;
        if (replaceNumber) {
          // One number token replaced by a non-number.
          let k = 0;
          const target = which % 8;
          text = good.replace(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g, (t) => (k++ === target ? bad : t));
        } else {
          // One byte anywhere changed (or the body cut short there, or one byte added at its end).
          const at = where % good.length;
          text = byte === 0 ? good.slice(0, at) : byte === 1 ? good + String.fromCharCode(which % 256) : good.slice(0, at) + String.fromCharCode(byte) + good.slice(at + 1);
        }
        if (text === good) return;
        const hit = compiler.matchText(Buffer.from(text, 'latin1'));
        if (hit === undefined) return;
        // A hit must be a body JSON.parse reads to the same request.
        expectGeneral(hit.graph, text);
      }),
      { numRuns: 3000 },
    );
  });

  it('learn no template from a body whose numbers are not all its own (a repeated key: JSON.parse keeps the last)', () => {
    const twice = '{"inputs": {"x": [1, 2], "x": [3, 4]}, "program": "y = x * 2"}';
    const compiler = taught([twice, twice]);
    expect(compiler.matchText(Buffer.from(twice))).toBeUndefined();
    const outer = '{"inputs": {"x": [1, 2]}, "program": "y = x * 2", "inputs": {"x": [5, 6]}}';
    const other = taught([outer, outer]);
    expect(other.matchText(Buffer.from(outer))).toBeUndefined();
    // And the general path still answers them (the last value of the key).
    const d = jobData(compiler.compile(JSON.parse(twice) as GraphBody)) as Uint8Array;
    expect(Array.from(new Float32Array(d.buffer, d.byteOffset, 2))).toEqual([3, 4]);
  });

  it('keep digits inside strings as text: a program constant is part of the skeleton, not a number to read', () => {
    const a = '{"inputs": {"x": [1.5, 2]}, "program": "y = x * 2 - 0.5"}';
    const b = '{"inputs": {"x": [1.5, 2]}, "program": "y = x * 3 - 0.5"}';
    const compiler = taught([a, a]);
    expect(compiler.matchText(Buffer.from(a.replace('1.5', '-7')))).toBeDefined();
    expect(compiler.matchText(Buffer.from(b))).toBeUndefined();
    // An escape with digits (\u0079 is 'y') stays inside its string.
    const escaped = '{"inputs": {"x": [1.5, 2]}, "program": "\\u0079 = x * 2 - 0.5", "outputs": ["\\u0079"]}';
    const c2 = taught([escaped, escaped]);
    const hit = c2.matchText(Buffer.from(escaped.replace('2]', '-3e-1]')));
    expect(hit).toBeDefined();
    expectGeneral(hit!.graph, escaped.replace('2]', '-3e-1]'));
    // An escaped quote does not end its string: the digits after it are a comment's text.
    const quoted = '{"inputs": {"x": [1.5, 2]}, "program": "y = x * 2  # say \\"1, 2\\" 3"}';
    const c3 = taught([quoted, quoted]);
    const body = quoted.replace('[1.5, 2]', '[4, 5.5]');
    expect(c3.matchText(Buffer.from(body))).toBeDefined();
    expectGeneral(c3.matchText(Buffer.from(body))!.graph, body);
  });

  it('find each of several clients\' templates, not only the last one matched', () => {
    const texts = [1, 2, 3].map((c) => `{"inputs": {"x": [1, 2]}, "program": "y = x * ${c}"}`);
    const compiler = new GraphCompiler(cfg);
    for (const t of texts) taught([t, t], compiler);
    for (const t of [...texts, ...texts.reverse()]) {
      const body = t.replace('[1, 2]', '[8, 9]');
      const hit = compiler.matchText(Buffer.from(body));
      expect(hit).toBeDefined();
      expectGeneral(hit!.graph, body);
    }
  });

  it('learn at most 8 spellings of one layout, and keep at most 256 templates', () => {
    const spaced = (n: number) => `{"inputs":${' '.repeat(n)}{"x": [1, 2]}, "program": "y = x * 2"}`;
    const compiler = new GraphCompiler(cfg);
    for (let n = 0; n < 10; n++) taught([spaced(n), spaced(n)], compiler);
    const learned = Array.from({ length: 10 }, (_, n) => compiler.matchText(Buffer.from(spaced(n))) !== undefined);
    expect(learned).toEqual([true, true, true, true, true, true, true, true, false, false]);

    const many = new GraphCompiler(cfg);
    const program = (n: number) => `{"inputs": {"x": [1, 2]}, "program": "y = x * ${n}"}`;
    for (let n = 0; n < 300; n++) taught([program(n), program(n)], many);
    expect(many.matchText(Buffer.from(program(0)))).toBeUndefined(); // the oldest went
    expect(many.matchText(Buffer.from(program(299)))).toBeDefined();
    expect(many.matchText(Buffer.from(program(44)))).toBeDefined();
  });

  it('learn only from a second body of a layout, and only from bodies in the plain forms', () => {
    const text = '{"inputs": {"x": [1, 2]}, "program": "y = x * 2"}';
    expect(taught([text]).matchText(Buffer.from(text))).toBeUndefined();
    const dry = '{"inputs": {"x": [1, 2]}, "program": "y = x * 2", "dry_run": false}';
    expect(taught([dry, dry, dry]).matchText(Buffer.from(dry))).toBeUndefined();
  });
});
