// The compile cache's fast hit (src/ir/fast-hit.ts): a body that matches a
// layout compiled before gets the same graph as the general path gives it —
// same program, outputs and backward, and the same packed bytes — and a body
// that differs in any way the cache key holds, or has any element the fast
// path does not write itself, goes the general way (same graph, same error).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { GraphBody } from '../../src/ir/compile.js';
import { GraphCompiler } from '../../src/ir/graph-cache.js';
import type { IRGraph } from '../../src/ir/ir.js';
import { jobData, programOf } from '../../src/ir/program-ref.js';

const cfg = loadConfig({}, { logLevel: 'silent' });

const bytes = (g: IRGraph) => Array.from(jobData(g) as Uint8Array);
// The program as the worker reads it.
const ir = (g: IRGraph) => programOf(g).ir;

/** What a fresh compiler (no layouts, no cache) makes of `body`: the general path. */
function general(body: GraphBody): IRGraph {
  return new GraphCompiler(cfg).compile(structuredClone(body));
}

/** The same request seen by the general path: program, names, outputs, backward and packed bytes. */
function expectSame(g: IRGraph, body: GraphBody): void {
  const want = general(body);
  expect(ir(g)).toBe(ir(want));
  expect(g.outputs).toEqual(want.outputs);
  expect(g.wrtNames).toEqual(want.wrtNames);
  expect(bytes(g)).toEqual(bytes(want));
}

/** Nested arrays of `shape` filled from next(). */
function nested(shape: number[], next: () => number): unknown {
  if (shape.length === 0) return next();
  return Array.from({ length: shape[0]! }, () => nested(shape.slice(1), next));
}

const inputArb = fc.record({
  shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  dtype: fc.constantFrom('float32', 'float64', undefined),
  requiresGrad: fc.boolean(),
  bare: fc.boolean(), // a bare number/array when it can be (float32, no requires_grad)
});

type InputSpec = { shape: number[]; dtype: 'float32' | 'float64' | undefined; requiresGrad: boolean; bare: boolean };

function bodyOf(specs: InputSpec[], seed: number, extra: Partial<GraphBody> = {}): GraphBody {
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return (x / 2147483648) * 8 - 4;
  };
  const inputs: Record<string, unknown> = {};
  specs.forEach((s, i) => {
    const data = nested(s.shape, next);
    inputs[`x${i}`] = s.bare && s.dtype === undefined && !s.requiresGrad ? data : { data, ...(s.dtype ? { dtype: s.dtype } : {}), ...(s.requiresGrad ? { requires_grad: true } : {}) };
  });
  return { inputs, program: 'y = x0.sum() * 2.0', ...extra };
}

describe('the compile cache fast hit', () => {
  it('gives the general path graph and packed bytes for new data in a known layout', () => {
    fc.assert(
      fc.property(fc.array(inputArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 1e6 }), fc.boolean(), (specs, seed, withBackward) => {
        const extra: Partial<GraphBody> = withBackward && specs[0]!.requiresGrad ? { outputs: ['y'], backward: { of: 'y', wrt: ['x0'] } } : {};
        const compiler = new GraphCompiler(cfg);
        compiler.compile(bodyOf(specs, seed, extra));
        const body = bodyOf(specs, seed + 1, extra);
        const g = compiler.compile(structuredClone(body));
        expect(g.packed).toBeDefined(); // took the fast path
        expectSame(g, body);
      }),
      { numRuns: 300 },
    );
  });

  const specs: InputSpec[] = [
    { shape: [2, 3], dtype: undefined, requiresGrad: true, bare: false },
    { shape: [], dtype: 'float64', requiresGrad: false, bare: false },
    { shape: [3], dtype: undefined, requiresGrad: false, bare: true },
  ];
  const known = bodyOf(specs, 1, { outputs: ['y'], backward: { of: 'y', wrt: ['x0'] } });
  const inputs = (b: GraphBody) => b.inputs as Record<string, any>;
  const variants: Array<[string, (b: GraphBody) => void]> = [
    ['another shape', (b) => (inputs(b).x2 = [1, 2, 3, 4])],
    ['a 0-d input given as [v]', (b) => (inputs(b).x1.data = [1.5])],
    ['another dtype', (b) => (inputs(b).x1.dtype = 'float32')],
    ['requires_grad off', (b) => delete inputs(b).x0.requires_grad],
    ['requires_grad on', (b) => (inputs(b).x2 = { data: [1, 2, 3], requires_grad: true })],
    ['int64 data', (b) => (inputs(b).x2 = { data: [1, 2, 3], dtype: 'int64' })],
    ['booleans', (b) => (inputs(b).x2 = [true, false, true])],
    ['a boolean among numbers', (b) => (inputs(b).x2 = [1, true, 3])],
    ['a "NaN" string element', (b) => (inputs(b).x2 = [1, 'NaN', 3])],
    ['base64 data', (b) => (inputs(b).x2 = { shape: [3], dtype: 'float32', base64: Buffer.from(new Float32Array([1, 2, 3]).buffer).toString('base64') })],
    ['flat data with a shape', (b) => (inputs(b).x0 = { data: [1, 2, 3, 4, 5, 6], shape: [2, 3], requires_grad: true })],
    ['inputs in another order', (b) => (b.inputs = { x1: inputs(b).x1, x0: inputs(b).x0, x2: inputs(b).x2 })],
    ['an input more', (b) => (inputs(b).x3 = 1)],
    ['other outputs', (b) => (b.outputs = ['y', 'x0'])],
    ['default outputs', (b) => delete b.outputs],
    ['another backward.wrt', (b) => (b.backward = { of: 'y', wrt: ['x0', 'x1'] })],
    ['backward without of', (b) => (b.backward = { wrt: ['x0'] })],
    ['no backward', (b) => delete b.backward],
    ['a grad_output', (b) => (b.backward = { of: 'y', wrt: ['x0'], grad_output: 1 })],
    ['a dry run', (b) => (b.dry_run = true)],
    ['a node list besides the program', (b) => (b.nodes = [{ id: 'y', op: 'add', args: ['x2', 'x2'] }])],
  ];

  it('takes the fast path for an equal request in another plain form ([...] and {data, dtype: "float32"})', () => {
    const compiler = new GraphCompiler(cfg);
    compiler.compile(structuredClone(known));
    const body = structuredClone(known);
    inputs(body).x2 = { data: [1, 2, 3], dtype: 'float32' };
    const g = compiler.compile(structuredClone(body));
    expect(g.packed).toBeDefined();
    expectSame(g, body);
  });

  it.each(variants)('goes the general way for %s, with the general path result', (_what, change) => {
    const compiler = new GraphCompiler(cfg);
    compiler.compile(structuredClone(known));
    const body = structuredClone(known);
    change(body);
    let want: IRGraph | Error;
    try {
      want = general(body);
    } catch (e) {
      want = e as Error;
    }
    if (want instanceof Error) {
      expect(() => compiler.compile(structuredClone(body))).toThrow(want.message);
      return;
    }
    const g = compiler.compile(structuredClone(body));
    expect(g.packed).toBeUndefined();
    if (body.dry_run) return;
    expectSame(g, body);
  });

  it.each([
    ['a ragged row', (b: GraphBody) => (inputs(b).x0.data = [[1, 2, 3], [4, 5]])],
    ['a row that is a number', (b: GraphBody) => (inputs(b).x0.data = [[1, 2, 3], 4])],
    ['an element that is an object', (b: GraphBody) => (inputs(b).x2 = [1, {}, 3])],
    ['a null element', (b: GraphBody) => (inputs(b).x2 = [1, null, 3])],
  ])('raises the general path error for %s', (_what, change) => {
    const compiler = new GraphCompiler(cfg);
    compiler.compile(structuredClone(known));
    const body = structuredClone(known);
    change(body);
    expect(() => general(body)).toThrow();
    let message = '';
    try {
      general(body);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(() => compiler.compile(structuredClone(body))).toThrow(message);
  });

  it('keeps the layouts of a few shapes of one program, and empty and 0-d inputs', () => {
    const compiler = new GraphCompiler(cfg);
    const shapes = [[0], [2, 0], [], [1], [4, 1], [3]];
    const body = (shape: number[], seed: number) => bodyOf([{ shape, dtype: 'float64', requiresGrad: false, bare: false }], seed);
    for (const s of shapes.slice(0, 4)) compiler.compile(body(s, 1));
    for (const s of shapes.slice(0, 4)) {
      const g = compiler.compile(body(s, 2));
      expect(g.packed).toBeDefined();
      expectSame(g, body(s, 2));
    }
    // A fifth shape pushes out the oldest.
    compiler.compile(body([3], 1));
    expect(compiler.compile(body([0], 3)).packed).toBeUndefined();
    expect(compiler.compile(body([3], 3)).packed).toBeDefined();
  });

  it('the packed bytes are this request\'s, never an earlier one\'s', () => {
    const compiler = new GraphCompiler(cfg);
    const body = (v: number) => ({ inputs: { x0: [[v, v + 1]], w: { data: [v * 2], requires_grad: true } }, program: 'y = (x0 * w).sum()' });
    const graphs = [1, 2, 3].map((v) => compiler.compile(body(v)));
    const f32 = (g: IRGraph) => Array.from(new Float32Array((jobData(g) as Uint8Array).slice().buffer));
    expect(graphs.map(f32)).toEqual([
      [1, 2, 2, 0],
      [2, 3, 4, 0],
      [3, 4, 6, 0],
    ]);
  });
});
