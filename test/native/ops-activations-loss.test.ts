// Activations and the class losses, straight through the native addon:
// forward values against PyTorch's, gradients of first, second and third
// order against finite differences (float64, away from kinks), PyTorch's
// gradients at the kinks, stability at the extremes, meta mode and errors.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const addon: any = require('../../build/Release/gradserve.node');

type DT = 'float32' | 'float64' | 'int64' | 'bool';
interface In {
  dtype: DT;
  shape: number[];
  data?: Float64Array | Float32Array | BigInt64Array | Uint8Array;
  requiresGrad?: boolean;
}
type Arg = unknown;

function numel(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
function t(data: number[], shape: number[] = [data.length], dtype: DT = 'float64', requiresGrad = false): In {
  const buf =
    dtype === 'float64' ? new Float64Array(data)
    : dtype === 'float32' ? new Float32Array(data)
    : dtype === 'int64' ? new BigInt64Array(data.map((v) => BigInt(v)))
    : new Uint8Array(data);
  if (numel(shape) !== data.length) throw new Error('bad test tensor');
  return { dtype, shape, data: buf, requiresGrad };
}
function idx(data: number[], shape: number[] = [data.length]): In {
  return t(data, shape, 'int64');
}
function read(s: { dtype: DT; data: ArrayBuffer }): number[] {
  if (s.dtype === 'float64') return Array.from(new Float64Array(s.data));
  if (s.dtype === 'float32') return Array.from(new Float32Array(s.data));
  if (s.dtype === 'int64') return Array.from(new BigInt64Array(s.data), Number);
  return Array.from(new Uint8Array(s.data));
}

/** Runs one op on `inputs` (slot i = inputs[i]); returns output and d(sum(out))/d(inputs[0]). */
function run(op: string, args: Arg[], inputs: In[], withGrad = true) {
  const n = inputs.length;
  const nodes = [{ op, args }, { op: 'sum', args: [{ t: n }, null, false] }];
  const r = addon.run({
    meta: false,
    inputs,
    nodes,
    outputs: [n],
    backward: withGrad ? { of: n + 1, wrt: [0] } : undefined,
  });
  const out = r.slots[n];
  return { out: read(out), shape: out.shape as number[], dtype: out.dtype as DT, grad: withGrad ? read(r.grads[0]) : [] };
}

function expectClose(actual: number[], expected: number[], rtol = 1e-4, atol = 1e-6) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (Number.isNaN(e)) expect(a).toBeNaN();
    else if (!Number.isFinite(e)) expect(a).toBe(e);
    else if (Math.abs(a - e) > atol + rtol * Math.abs(e)) expect.fail(`element ${i}: ${a} vs ${e} (all: ${actual} vs ${expected})`);
  });
}

// ---------------------------------------------------------------------------
// Finite-difference checks of order 1, 2 and 3.
//
// Slots: 0 = x (float64), 1..3 = fixed weights w, v, u, 4.. = extra inputs.
// S1 = sum(w * op(x)); S2 = sum(v * grad(S1, x)); S3 = sum(u * grad(S2, x)).
// The analytic gradient of S_k (backward) is compared with central
// differences of S_k itself.

interface Case {
  op: string;
  /** op arguments; 'x' is the input under test, {extra: i} the i-th extra input */
  args: (Arg | 'x' | { extra: number })[];
  x: number[];
  shape?: number[];
  extras?: In[];
}

function weights(n: number, seed: number): number[] {
  const out: number[] = [];
  let s = seed;
  for (let i = 0; i < n; ++i) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out.push(0.5 + (s / 2147483648) * 1.5 * (i % 2 ? -1 : 1));
  }
  return out;
}

function buildJob(c: Case, x: number[], order: number, outShape: number[]) {
  const xs = c.shape ?? [x.length];
  const extras = c.extras ?? [];
  const base = 4 + extras.length;
  const mapArg = (a: unknown): unknown => {
    if (a === 'x') return { t: 0 };
    if (a && typeof a === 'object' && 'extra' in (a as object)) return { t: 4 + (a as { extra: number }).extra };
    return a;
  };
  const inputs: In[] = [
    t(x, xs, 'float64', true),
    t(weights(numel(outShape), 7), outShape),
    t(weights(numel(xs), 11), xs),
    t(weights(numel(xs), 13), xs),
    ...extras,
  ];
  const nodes: { op: string; args: unknown[] }[] = [
    { op: c.op, args: c.args.map(mapArg) },
    { op: 'mul', args: [{ t: base }, { t: 1 }] },
    { op: 'sum', args: [{ t: base + 1 }, null, false] }, // S1 at base+2
  ];
  let s = base + 2;
  for (let k = 2; k <= order; ++k) {
    nodes.push({ op: 'grad', args: [{ t: s }, { t: 0 }, null] });
    nodes.push({ op: 'mul', args: [{ t: s + 1 }, { t: k === 2 ? 2 : 3 }] });
    nodes.push({ op: 'sum', args: [{ t: s + 2 }, null, false] });
    s += 3;
  }
  return { inputs, nodes, s };
}

function scalarOf(c: Case, x: number[], order: number, outShape: number[]): number {
  const { inputs, nodes, s } = buildJob(c, x, order, outShape);
  const r = addon.run({ meta: false, inputs, nodes, outputs: [s] });
  return read(r.slots[s])[0]!;
}

function gradOf(c: Case, x: number[], order: number, outShape: number[]): number[] {
  const { inputs, nodes, s } = buildJob(c, x, order, outShape);
  const r = addon.run({ meta: false, inputs, nodes, outputs: [s], backward: { of: s, wrt: [0] } });
  return read(r.grads[0]);
}

function fdCheck(c: Case, maxOrder = 2) {
  const extras = c.extras ?? [];
  const probe = addon.run({
    meta: true,
    inputs: [{ dtype: 'float64', shape: c.shape ?? [c.x.length] }, ...extras.map((e) => ({ dtype: e.dtype, shape: e.shape }))],
    nodes: [{ op: c.op, args: c.args.map((a) => (a === 'x' ? { t: 0 } : a && typeof a === 'object' && 'extra' in (a as object) ? { t: 1 + (a as { extra: number }).extra } : a)) }],
    outputs: [],
  });
  const outShape: number[] = probe.slots[1 + extras.length].shape;
  for (let order = 1; order <= maxOrder; ++order) {
    const g = gradOf(c, c.x, order, outShape);
    const h = order === 1 ? 1e-6 : 1e-5;
    const fd = c.x.map((_, i) => {
      const xp = c.x.slice();
      const xm = c.x.slice();
      xp[i]! += h;
      xm[i]! -= h;
      return (scalarOf(c, xp, order, outShape) - scalarOf(c, xm, order, outShape)) / (2 * h);
    });
    g.forEach((gi, i) => {
      const e = fd[i]!;
      if (Math.abs(gi - e) > 1e-5 + 1e-4 * Math.abs(e))
        expect.fail(`${c.op} order ${order}, element ${i}: analytic ${gi} vs finite difference ${e}`);
      expect(Number.isFinite(gi)).toBe(true);
    });
  }
}

// Points away from every kink (0, +-0.5, +-1, +-3, 6).
const X = [-4.2, -2.1, -0.8, -0.3, 0.2, 0.7, 1.6, 3.9, 7.3];

describe('activations: gradients of order 1, 2, 3 against finite differences', () => {
  const cases: Case[] = [
    { op: 'sigmoid', args: ['x'], x: X },
    { op: 'tanh', args: ['x'], x: X },
    { op: 'relu', args: ['x'], x: X },
    { op: 'leaky_relu', args: ['x', 0.1], x: X },
    { op: 'elu', args: ['x', 1.3], x: X },
    { op: 'selu', args: ['x'], x: X },
    { op: 'celu', args: ['x', 0.7], x: X },
    { op: 'gelu', args: ['x', 'none'], x: X },
    { op: 'gelu', args: ['x', 'tanh'], x: X },
    { op: 'silu', args: ['x'], x: X },
    { op: 'mish', args: ['x'], x: X },
    { op: 'softplus', args: ['x', 1, 20], x: X },
    { op: 'softplus', args: ['x', 2.5, 5], x: [-1.1, 0.3, 1.5, 2.7] },
    { op: 'softsign', args: ['x'], x: X },
    { op: 'hardtanh', args: ['x', -1, 1], x: X },
    { op: 'hardtanh', args: ['x', -2.5, 0.9], x: X },
    { op: 'relu6', args: ['x'], x: X },
    { op: 'hardsigmoid', args: ['x'], x: X },
    { op: 'hardswish', args: ['x'], x: X },
    { op: 'logsigmoid', args: ['x'], x: X },
    { op: 'hardshrink', args: ['x', 0.5], x: X },
    { op: 'softshrink', args: ['x', 0.5], x: X },
    { op: 'tanhshrink', args: ['x'], x: X },
    { op: 'threshold', args: ['x', 0.4, -2], x: X },
    { op: 'prelu', args: ['x', { extra: 0 }], x: [-1.2, 0.4, -0.7, 2.2, -3.1, 0.6], shape: [2, 3], extras: [t([0.25, -0.5, 1.5])] },
    { op: 'softmax', args: ['x', 1, null], x: [0.1, -1.2, 2.3, 0.4, 1.5, -0.6], shape: [2, 3] },
    { op: 'softmax', args: ['x', 0, null], x: [0.1, -1.2, 2.3, 0.4, 1.5, -0.6], shape: [2, 3] },
    { op: 'log_softmax', args: ['x', -1, null], x: [0.1, -1.2, 2.3, 0.4, 1.5, -0.6], shape: [2, 3] },
    { op: 'log_softmax', args: ['x', 0, null], x: [0.1, -1.2, 2.3, 0.4, 1.5, -0.6, 0.9, 0.2], shape: [2, 2, 2] },
    { op: 'softmin', args: ['x', null, null], x: [0.1, -1.2, 2.3, 0.4, 1.5, -0.6], shape: [2, 3] },
  ];
  for (const c of cases) {
    it(`${c.op}(${c.args.slice(1).map((a) => JSON.stringify(a)).join(', ')})`, () => fdCheck(c, 3));
  }
});

// ---------------------------------------------------------------------------

describe('activations: forward values (PyTorch)', () => {
  const x = [-2, -0.5, 0, 1.5];
  const table: [string, Arg[], number[]][] = [
    ['leaky_relu', [0.1], [-0.2, -0.05, 0, 1.5]],
    ['elu', [1.0], [-0.8646647167633873, -0.3934693402873666, 0, 1.5]],
    ['selu', [], [-1.520166468595695, -0.6917581878028713, 0, 1.5760514810332207]],
    ['celu', [2.0], [-1.2642411176571153, -0.44239843385719024, 0, 1.5]],
    ['gelu', ['none'], [-0.04550026389635842, -0.15426876936299344, 0, 1.399789198096713]],
    ['gelu', ['tanh'], [-0.04540230591222494, -0.15428599017485606, 0, 1.3995715769802328]],
    ['silu', [], [-0.2384058440442351, -0.1887703343990727, 0, 1.2263617142904655]],
    ['mish', [], [-0.2525014826957089, -0.22074377465173, 0, 1.4033782663958028]],
    ['softplus', [1, 20], [0.12692801104297252, 0.47407698418010663, 0.6931471805599453, 1.7014132779827524]],
    ['softsign', [], [-2 / 3, -1 / 3, 0, 0.6]],
    ['hardtanh', [-1, 1], [-1, -0.5, 0, 1]],
    ['relu6', [], [0, 0, 0, 1.5]],
    ['hardsigmoid', [], [1 / 6, 2.5 / 6, 0.5, 0.75]],
    ['hardswish', [], [-2 / 6, -0.5 * 2.5 / 6, 0, 1.5 * 4.5 / 6]],
    ['logsigmoid', [], [-2.1269280110429727, -0.9740769841801067, -0.6931471805599453, -0.20141327798275246]],
    ['hardshrink', [0.5], [-2, 0, 0, 1.5]],
    ['softshrink', [0.5], [-1.5, 0, 0, 1]],
    ['tanhshrink', [], [-2 + 0.9640275800758169, -0.5 + 0.46211715726000974, 0, 1.5 - 0.9051482536448664]],
    ['threshold', [-0.5, 9], [9, 9, 0, 1.5]],
  ];
  for (const [op, extra, expected] of table) {
    it(`${op}(${extra.map((a) => JSON.stringify(a)).join(', ')})`, () => {
      for (const dtype of ['float64', 'float32'] as const) {
        const r = run(op, [{ t: 0 }, ...extra], [t(x, [4], dtype, true)]);
        expect(r.dtype).toBe(dtype);
        expectClose(r.out, expected, dtype === 'float32' ? 1e-5 : 1e-8, 1e-7);
      }
    });
  }

  it('softmax / log_softmax / softmin of [1000, 1001, 1002] (no overflow)', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const x = t([1000, 1001, 1002], [3], dtype, true);
      expectClose(run('softmax', [{ t: 0 }, 0, null], [x]).out, [0.09003057317038046, 0.24472847105479764, 0.6652409557748219]);
      expectClose(run('log_softmax', [{ t: 0 }, 0, null], [x]).out, [-2.4076059644443806, -1.4076059644443806, -0.4076059644443806]);
      expectClose(run('softmin', [{ t: 0 }, 0, null], [x]).out, [0.6652409557748219, 0.24472847105479764, 0.09003057317038046]);
      const big = run('log_softmax', [{ t: 0 }, 0, null], [t([1e30, 0, -1e30], [3], dtype, true)]);
      expectClose(big.out, [0, -1e30, -2e30]);
      expectClose(big.grad, [-2, 1, 1]);
    }
  });

  it('softmax: dim=None uses the legacy rule (0 for 1-d and 3-d, else 1); dtype casts first', () => {
    const x2 = t([1, 2, 3, 4], [2, 2]);
    expectClose(run('softmax', [{ t: 0 }, null, null], [x2]).out, run('softmax', [{ t: 0 }, 1, null], [x2]).out, 0, 0);
    const x3 = t([1, 2, 3, 4, 5, 6, 7, 9], [2, 2, 2]);
    expectClose(run('softmax', [{ t: 0 }, null, null], [x3]).out, run('softmax', [{ t: 0 }, 0, null], [x3]).out, 0, 0);
    const x4 = t(Array.from({ length: 16 }, (_, i) => i * 0.3), [2, 2, 2, 2]);
    expectClose(run('log_softmax', [{ t: 0 }, null, null], [x4]).out, run('log_softmax', [{ t: 0 }, 1, null], [x4]).out, 0, 0);
    const r = run('softmax', [{ t: 0 }, 0, 'float64'], [t([1, 2, 3], [3], 'float32', true)]);
    expect(r.dtype).toBe('float64');
    const s = run('softmax', [{ t: 0 }, 0, null], [t([5], [], 'float64', true)]);
    expect(s.out).toEqual([1]);
  });

  it('integer inputs: sigmoid/tanh/softsign give float32, relu/relu6/hardtanh keep int64, the rest refuse', () => {
    const xi = idx([-2, 0, 3]);
    const s = run('sigmoid', [{ t: 0 }], [xi], false);
    expect(s.dtype).toBe('float32');
    expectClose(s.out, [0.11920292202211755, 0.5, 0.9525741268224334]);
    expect(run('tanh', [{ t: 0 }], [xi], false).dtype).toBe('float32');
    expect(run('softsign', [{ t: 0 }], [xi], false).dtype).toBe('float32');
    const r = run('relu', [{ t: 0 }], [xi], false);
    expect(r.dtype).toBe('int64');
    expect(r.out).toEqual([0, 0, 3]);
    expect(run('relu6', [{ t: 0 }], [idx([-2, 4, 9])], false).out).toEqual([0, 4, 6]);
    expect(run('hardtanh', [{ t: 0 }, -1, 1], [idx([-2, 0, 9])], false).out).toEqual([-1, 0, 1]);
    for (const [op, extra] of [['elu', [1]], ['gelu', ['none']], ['softplus', [1, 20]], ['leaky_relu', [0.01]], ['softmax', [0, null]], ['hardswish', []]] as const) {
      expect(() => run(op, [{ t: 0 }, ...extra], [xi], false)).toThrow(/not implemented for 'Long'/);
    }
  });
});

// ---------------------------------------------------------------------------

describe('activations: extremes and kinks', () => {
  it('sigmoid at +-100 (float32 and float64) is finite with finite gradients', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const r = run('sigmoid', [{ t: 0 }], [t([-100, 100], [2], dtype, true)]);
      expect(r.out[1]).toBe(1);
      expect(r.out[0]).toBeGreaterThan(0);
      expect(r.out[0]).toBeLessThan(1e-40);
      r.grad.forEach((g) => expect(Number.isFinite(g)).toBe(true));
      expect(r.grad[1]).toBe(0);
      const l = run('logsigmoid', [{ t: 0 }], [t([-100, 100], [2], dtype, true)]);
      expectClose(l.out, [-100, -3.720075976020836e-44], 1e-6, 1e-45);
      expectClose(l.grad, [1, 0], 0, 1e-40);
    }
  });

  it('softplus above the threshold is the identity with gradient exactly 1', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const r = run('softplus', [{ t: 0 }, 1, 20], [t([25, 30, 1000], [3], dtype, true)]);
      expect(r.out).toEqual([25, 30, 1000]);
      expect(r.grad).toEqual([1, 1, 1]);
      const b = run('softplus', [{ t: 0 }, 2, 20], [t([15, 9], [2], dtype, true)]);
      expect(b.out[0]).toBe(15);
      expectClose([b.out[1]!], [Math.log1p(Math.exp(18)) / 2], 1e-6);
    }
  });

  it('elu / celu / selu / gelu / silu / mish: no NaN in any order for huge inputs', () => {
    const cases: [string, Arg[]][] = [
      ['elu', [1.0]], ['celu', [0.5]], ['selu', []], ['gelu', ['none']], ['gelu', ['tanh']], ['silu', []], ['mish', []], ['softplus', [1, 20]], ['logsigmoid', []],
    ];
    for (const [op, extra] of cases) {
      for (const dtype of ['float32', 'float64'] as const) {
        const x = [-1000, -100, 100, 1000];
        const inputs = [t(x, [4], dtype, true)];
        // y = op(x); g = grad(sum(y), x); h = grad(sum(g), x)
        const r = addon.run({
          meta: false,
          inputs,
          nodes: [
            { op, args: [{ t: 0 }, ...extra] },
            { op: 'sum', args: [{ t: 1 }, null, false] },
            { op: 'grad', args: [{ t: 2 }, { t: 0 }, null] },
            { op: 'sum', args: [{ t: 3 }, null, false] },
            { op: 'grad', args: [{ t: 4 }, { t: 0 }, null] },
          ],
          outputs: [1, 3, 5],
        });
        for (const s of [1, 3, 5]) read(r.slots[s]).forEach((v, i) => expect(Number.isFinite(v), `${op} ${dtype} slot ${s}[${i}] = ${v}`).toBe(true));
      }
    }
  });

  it('NaN propagates like PyTorch (relu, hardtanh, hardswish, softshrink, logsigmoid)', () => {
    for (const [op, extra] of [['relu', []], ['relu6', []], ['hardtanh', [-1, 1]], ['hardswish', []], ['hardsigmoid', []], ['softshrink', [0.5]], ['logsigmoid', []], ['elu', [1]], ['leaky_relu', [0.01]]] as const) {
      expect(run(op, [{ t: 0 }, ...extra], [t([NaN], [1], 'float64', true)], false).out[0], op).toBeNaN();
    }
  });

  it('gradients at the kinks are PyTorch\'s', () => {
    const g = (op: string, extra: Arg[], x: number[]) => run(op, [{ t: 0 }, ...extra], [t(x, [x.length], 'float64', true)]).grad;
    expect(g('relu', [], [0])).toEqual([0]);
    expect(g('leaky_relu', [0.2], [0])).toEqual([0.2]);
    expect(g('hardtanh', [-1, 1], [-1, -0.999, 0.999, 1])).toEqual([0, 1, 1, 0]);
    expect(g('relu6', [], [0, 6, 3])).toEqual([0, 0, 1]);
    expect(g('hardsigmoid', [], [-3, 0, 3, -3.5, 3.5])).toEqual([0, Math.fround(1 / 6), 0, 0, 0]); // PyTorch multiplies by the float 1.0f / 6.0f
    expectClose(g('hardswish', [], [-4, -3, 0, 3, 4]), [0, -0.5, 0.5, 1.5, 1], 0, 1e-15);
    expect(g('hardshrink', [0.5], [-0.5, 0.5, 0.6])).toEqual([0, 0, 1]);
    expect(g('softshrink', [0.5], [-0.5, 0.5, -0.6])).toEqual([0, 0, 1]);
    expect(g('threshold', [1, 5], [1, 1.01])).toEqual([0, 1]);
    expect(g('elu', [2.0], [0])).toEqual([2]);
    expectClose(g('gelu', ['none'], [0]), [0.5]);
    // prelu: gradient at 0 is the weight
    const p = run('prelu', [{ t: 0 }, { t: 1 }], [t([0, -1], [2], 'float64', true), t([0.3])]);
    expectClose(p.grad, [0.3, 0.3]);
  });

  it('elu second derivative at 0 is whole (alpha), not halved', () => {
    const r = addon.run({
      meta: false,
      inputs: [t([0], [1], 'float64', true)],
      nodes: [
        { op: 'elu', args: [{ t: 0 }, 2.0] },
        { op: 'sum', args: [{ t: 1 }, null, false] },
        { op: 'grad', args: [{ t: 2 }, { t: 0 }, null] },
        { op: 'sum', args: [{ t: 3 }, null, false] },
      ],
      outputs: [3],
      backward: { of: 4, wrt: [0] },
    });
    expectClose(read(r.grads[0]), [2]);
  });

  it('softmax jacobian has the p_i (delta_ij - p_j) structure', () => {
    const r = addon.run({
      meta: false,
      inputs: [t([0.5, 1.0, -1.0], [3], 'float64', true)],
      nodes: [{ op: 'softmax', args: [{ t: 0 }, 0, null] }, { op: 'jacobian', args: [{ t: 1 }, { t: 0 }] }],
      outputs: [1, 2],
    });
    const p = read(r.slots[1]);
    const j = read(r.slots[2]);
    const expected: number[] = [];
    for (let i = 0; i < 3; ++i) for (let k = 0; k < 3; ++k) expected.push(p[i]! * ((i === k ? 1 : 0) - p[k]!));
    expectClose(j, expected, 1e-10, 1e-12);
  });
});

// ---------------------------------------------------------------------------
// A straightforward reference for cross_entropy with class indices (PyTorch
// 1.13+ semantics), used for cases whose PyTorch numbers are not in our notes.

function refCrossEntropy(
  x: number[][], target: number[], opts: { weight?: number[]; ignore?: number; reduction?: string; ls?: number } = {},
): number[] {
  const C = x[0]!.length;
  const w = opts.weight ?? new Array(C).fill(1);
  const ignore = opts.ignore ?? -100;
  const ls = opts.ls ?? 0;
  const nll: number[] = [];
  const smooth: number[] = [];
  let wsum = 0;
  x.forEach((row, n) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
    const logp = row.map((v) => v - lse);
    const tn = target[n]!;
    if (tn === ignore) {
      nll.push(0);
      smooth.push(0);
      return;
    }
    nll.push(-w[tn]! * logp[tn]!);
    smooth.push(-logp.reduce((a, v, c) => a + v * w[c]!, 0));
    wsum += w[tn]!;
  });
  const red = (v: number[]) => {
    const s = v.reduce((a, b) => a + b, 0);
    return opts.reduction === 'none' ? v : opts.reduction === 'sum' ? [s] : [s / wsum];
  };
  const a = red(nll);
  const b = red(smooth);
  return a.map((v, i) => (1 - ls) * v + (ls / C) * b[i]!);
}

function ce(input: In, target: In, weight: In | null, ignore: number, reduction: string, ls: number, withGrad = true) {
  const inputs = [input, target, ...(weight ? [weight] : [])];
  return run('cross_entropy', [{ t: 0 }, { t: 1 }, weight ? { t: 2 } : null, ignore, reduction, ls], inputs, withGrad);
}

describe('cross_entropy / nll_loss', () => {
  const X3 = [[1, 2], [1, 3], [1, 3]];
  const x3 = (dtype: DT = 'float64') => t(X3.flat(), [3, 2], dtype, true);

  it('matches PyTorch: reduction none, weights, mean', () => {
    expectClose(ce(x3(), idx([0, 1, 1]), null, -100, 'none', 0).out, [1.3133, 0.1269, 0.1269], 1e-3);
    expectClose(ce(x3(), idx([0, 1, 1]), t([1, 2]), -100, 'none', 0).out, [1.3133, 0.2539, 0.2539], 1e-3);
    expectClose(ce(x3(), idx([0, 1, 1]), t([1, 2]), -100, 'mean', 0).out, [0.3642], 1e-3);
    expectClose(ce(x3('float32'), idx([0, 1, 1]), t([1, 2], [2], 'float32'), -100, 'mean', 0).out, [0.3642], 1e-3);
    expectClose(ce(x3(), idx([0, 1, 1]), null, -100, 'sum', 0).out, [1.3133 + 0.1269 * 2], 1e-3);
  });

  it('gradient of the mean is (softmax - onehot) * w / sum(w)', () => {
    const r = ce(x3(), idx([0, 1, 1]), t([1, 2]), -100, 'mean', 0);
    const expected: number[] = [];
    X3.forEach((row, n) => {
      const tn = [0, 1, 1][n]!;
      const wn = [1, 2][tn]!;
      const e = row.map(Math.exp);
      const s = e[0]! + e[1]!;
      row.forEach((_, c) => expected.push(((e[c]! / s) - (c === tn ? 1 : 0)) * wn / 5));
    });
    expectClose(r.grad, expected, 1e-10, 1e-12);
  });

  it('ignore_index (also a valid class index), label smoothing with weight and ignore_index', () => {
    const X = [[0.2, -1.3, 2.2, 0.7], [1.1, 0.4, -0.6, 0.3], [-0.9, 2.4, 0.1, 0.0], [0.5, 0.5, 1.5, -2.0]];
    const T = [2, 1, 3, 0];
    const W = [0.5, 2.0, 1.0, 1.5];
    const xin = () => t(X.flat(), [4, 4], 'float64', true);
    for (const reduction of ['none', 'mean', 'sum']) {
      for (const ls of [0, 0.1, 0.35]) {
        for (const ignore of [-100, 1, 3]) {
          for (const weight of [undefined, W]) {
            const got = ce(xin(), idx(T), weight ? t(weight) : null, ignore, reduction, ls, false).out;
            const want = refCrossEntropy(X, T, { weight, ignore, reduction, ls });
            expectClose(got, want, 1e-10, 1e-12);
          }
        }
      }
    }
    // Known PyTorch value: F.cross_entropy([[1,2],[1,3],[1,3]], [0,1,1], label_smoothing=0.1)
    expectClose(ce(x3(), idx([0, 1, 1]), null, -100, 'mean', 0.1).out, [0.57237], 1e-4);
    // Every target ignored: mean is NaN, as PyTorch.
    expect(ce(x3(), idx([-100, -100, -100]), null, -100, 'mean', 0).out[0]).toBeNaN();
    expect(ce(x3(), idx([-100, -100, -100]), null, -100, 'none', 0).out).toEqual([0, 0, 0]);
  });

  it('unbatched [C] input and K-dim [N, C, d1, d2] input', () => {
    const r = ce(t([1, 2, 0.5], [3], 'float64', true), idx([1], []), null, -100, 'mean', 0);
    expect(r.shape).toEqual([]);
    expectClose(r.out, refCrossEntropy([[1, 2, 0.5]], [1]));
    // [2, 3, 2, 2]: class dim 1; compare with the same data laid out as [8, 3]
    const N = 2, C = 3, D = 4;
    const data = Array.from({ length: N * C * D }, (_, i) => Math.sin(i * 1.7) * 2);
    const tgt = [0, 2, 1, 1, 2, 0, 0, 1];
    const rows: number[][] = [];
    for (let n = 0; n < N; ++n) for (let d = 0; d < D; ++d) rows.push(Array.from({ length: C }, (_, c) => data[n * C * D + c * D + d]!));
    const none = ce(t(data, [N, C, 2, 2], 'float64', true), idx(tgt, [N, 2, 2]), t([1, 0.5, 2]), 1, 'none', 0.2);
    expect(none.shape).toEqual([N, 2, 2]);
    expectClose(none.out, refCrossEntropy(rows, tgt, { weight: [1, 0.5, 2], ignore: 1, reduction: 'none', ls: 0.2 }), 1e-10, 1e-12);
    const mean = ce(t(data, [N, C, 2, 2], 'float64', true), idx(tgt, [N, 2, 2]), t([1, 0.5, 2]), 1, 'mean', 0.2);
    expectClose(mean.out, refCrossEntropy(rows, tgt, { weight: [1, 0.5, 2], ignore: 1, reduction: 'mean', ls: 0.2 }), 1e-10, 1e-12);
    // 3-d input [N, C, d]
    const r3 = ce(t(data.slice(0, 12), [2, 3, 2], 'float64', true), idx([0, 2, 1, 1], [2, 2]), null, -100, 'none', 0);
    expect(r3.shape).toEqual([2, 2]);
  });

  it('class-probability targets (with weight and label smoothing)', () => {
    const X = [[1, 2, 0], [0.5, -1, 3]];
    const P = [[0.2, 0.7, 0.1], [0, 0, 1]];
    const W = [1, 2, 0.5];
    const ref = (ls: number, weight: number[] | null) =>
      X.map((row, n) => {
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
        return -row.reduce((a, v, c) => a + (v - lse) * (P[n]![c]! * (1 - ls) + ls / 3) * (weight ? weight[c]! : 1), 0);
      });
    for (const [ls, w] of [[0, null], [0.2, null], [0, W], [0.3, W]] as [number, number[] | null][]) {
      const none = ce(t(X.flat(), [2, 3], 'float64', true), t(P.flat(), [2, 3]), w ? t(w) : null, -100, 'none', ls);
      expectClose(none.out, ref(ls, w), 1e-10, 1e-12);
      const mean = ce(t(X.flat(), [2, 3], 'float64', true), t(P.flat(), [2, 3]), w ? t(w) : null, -100, 'mean', ls);
      const rr = ref(ls, w);
      expectClose(mean.out, [(rr[0]! + rr[1]!) / 2], 1e-10, 1e-12);
    }
    // PyTorch: probabilities [[0.2,0.7,0.1]] for logits [[1,2,0]]
    expectClose(ce(t([1, 2, 0], [1, 3], 'float64', true), t([0.2, 0.7, 0.1], [1, 3]), null, -100, 'mean', 0).out, [0.8076059644443804]);
  });

  it('nll_loss on log-probabilities equals cross_entropy on logits', () => {
    const X = [0.3, -1.1, 2.0, 0.4, 0.9, -0.2];
    const lsm = addon.run({ meta: false, inputs: [t(X, [2, 3])], nodes: [{ op: 'log_softmax', args: [{ t: 0 }, 1, null] }], outputs: [1] });
    const logp = read(lsm.slots[1]);
    for (const reduction of ['none', 'mean', 'sum']) {
      const a = run('nll_loss', [{ t: 0 }, { t: 1 }, { t: 2 }, 0, reduction], [t(logp, [2, 3], 'float64', true), idx([2, 1]), t([1, 3, 0.5])]).out;
      const b = ce(t(X, [2, 3], 'float64', true), idx([2, 1]), t([1, 3, 0.5]), 0, reduction, 0).out;
      expectClose(a, b, 1e-12, 1e-14);
    }
    // PyTorch: F.nll_loss([[-1, -2, -3]], [1]) = 2
    expectClose(run('nll_loss', [{ t: 0 }, { t: 1 }, null, -100, 'mean'], [t([-1, -2, -3], [1, 3], 'float64', true), idx([1])]).grad, [0, -1, 0]);
  });

  it('first, second and third order gradients against finite differences', () => {
    const X = [0.3, -1.1, 2.0, 0.4, 0.9, -0.2, 1.7, -0.4, 0.05, -2.2, 0.6, 1.1];
    fdCheck({ op: 'cross_entropy', args: ['x', { extra: 0 }, null, -100, 'mean', 0], x: X, shape: [4, 3], extras: [idx([2, 0, 1, 1])] }, 3);
    fdCheck({ op: 'cross_entropy', args: ['x', { extra: 0 }, { extra: 1 }, 1, 'mean', 0.15], x: X, shape: [4, 3], extras: [idx([2, 0, 1, 0]), t([0.7, 1.3, 2.0])] }, 3);
    fdCheck({ op: 'cross_entropy', args: ['x', { extra: 0 }, { extra: 1 }, -100, 'none', 0.1], x: X, shape: [2, 3, 2], extras: [idx([2, 0, 1, 1], [2, 2]), t([0.7, 1.3, 2.0])] }, 2);
    fdCheck({ op: 'cross_entropy', args: ['x', { extra: 0 }, null, -100, 'sum', 0.25], x: X, shape: [4, 3], extras: [t([0.2, 0.3, 0.5, 1, 0, 0, 0.1, 0.1, 0.8, 0.3, 0.3, 0.4], [4, 3])] }, 3);
    fdCheck({ op: 'nll_loss', args: ['x', { extra: 0 }, { extra: 1 }, -100, 'mean'], x: X, shape: [4, 3], extras: [idx([2, 0, 1, 1]), t([0.7, 1.3, 2.0])] }, 2);
    fdCheck({ op: 'mse_loss', args: ['x', { extra: 0 }, 'mean'], x: X.slice(0, 4), extras: [t([0.1, 0.2, 0.3, 0.4])] }, 2);
  });

  it('probability targets are differentiable too', () => {
    const r = addon.run({
      meta: false,
      inputs: [t([1, 2, 0], [1, 3]), t([0.2, 0.7, 0.1], [1, 3], 'float64', true)],
      nodes: [{ op: 'cross_entropy', args: [{ t: 0 }, { t: 1 }, null, -100, 'mean', 0] }],
      outputs: [2],
      backward: { of: 2, wrt: [1] },
    });
    const lse = Math.log(Math.exp(1) + Math.exp(2) + 1);
    expectClose(read(r.grads[0]), [-(1 - lse), -(2 - lse), -(0 - lse)], 1e-10, 1e-12);
  });

  it('validation: PyTorch messages and error kinds', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as { code: string; message: string };
      }
      throw new Error('expected an error');
    };
    let e = err(() => ce(x3(), idx([0, 5, 1]), null, -100, 'mean', 0));
    expect(e.code).toBe('GS_index');
    expect(e.message).toBe('Target 5 is out of bounds.');
    e = err(() => ce(x3(), idx([0, -1, 1]), null, -100, 'mean', 0));
    expect(e.message).toBe('Target -1 is out of bounds.');
    e = err(() => ce(x3(), idx([0, 1]), null, -100, 'mean', 0));
    expect(e.code).toBe('GS_shape');
    expect(e.message).toBe('Expected input batch_size (3) to match target batch_size (2).');
    e = err(() => ce(t(new Array(12).fill(0), [2, 3, 2], 'float64', true), idx([0, 1, 2, 1, 0, 0], [2, 3]), null, -100, 'mean', 0));
    expect(e.code).toBe('GS_shape');
    expect(e.message).toBe('Expected target size [2, 2], got [2, 3]');
    e = err(() => ce(x3(), idx([0, 1, 1]), t([1, 2, 3]), -100, 'mean', 0));
    expect(e.code).toBe('GS_shape');
    expect(e.message).toMatch(/weight tensor should be defined either for all 2 classes or no classes but got weight tensor of shape: \[3\]/);
    e = err(() => ce(x3(), idx([0, 1, 1]), null, -100, 'average', 0));
    expect(e.code).toBe('GS_value');
    // Float class indices are cast when integer-valued (API.md); 0.5 is not a class index.
    expect(ce(x3(), t([0, 1, 1]), null, -100, 'mean', 0).out[0]).toBeCloseTo(ce(x3(), idx([0, 1, 1]), null, -100, 'mean', 0).out[0]!, 12);
    e = err(() => ce(x3(), t([0.5, 1, 1]), null, -100, 'mean', 0));
    expect(e.code).toBe('GS_value');
    e = err(() => ce(x3(), idx([0, 1, 1, 0, 1, 1], [3, 2]), null, -100, 'mean', 0));
    expect(e.code).toBe('GS_dtype');
    expect(e.message).toMatch(/Expected floating point type for target with class probabilities, got Long/);
    e = err(() => ce(x3(), t([1, 0, 0, 1, 0, 1, 1, 0], [4, 2]), null, -100, 'mean', 0));
    expect(e.code).toBe('GS_shape');
    e = err(() => ce(x3(), t([1, 0, 0, 1, 0, 1], [3, 2]), null, 1, 'mean', 0));
    expect(e.message).toBe('ignore_index is not supported for floating point target');
    e = err(() => ce(x3(), idx([0, 1, 1]), null, -100, 'mean', 1.5));
    expect(e.code).toBe('GS_value');
    expect(e.message).toBe('label_smoothing must be between 0.0 and 1.0. Got: 1.5');
    e = err(() => run('nll_loss', [{ t: 0 }, { t: 1 }, null, -100, 'mean'], [t([1, 2, 3]), idx([0, 1, 2])]));
    expect(e.code).toBe('GS_shape');
    e = err(() => run('gelu', [{ t: 0 }, 'exact'], [t([1])]));
    expect(e.code).toBe('GS_value');
    expect(e.message).toBe('approximate argument must be either none or tanh.');
    e = err(() => run('prelu', [{ t: 0 }, { t: 1 }], [t([1, 2, 3, 4], [2, 2]), t([1, 2, 3])]));
    expect(e.code).toBe('GS_shape');
    expect(e.message).toBe('Mismatch of parameter numbers and input channel size. Found parameter numbers = 3 and channel size = 2.');
  });
});

// ---------------------------------------------------------------------------

describe('meta mode', () => {
  it('every activation and loss gives shapes, dtypes and a cost without data', () => {
    const x = { dtype: 'float32', shape: [8, 5, 3] };
    const cases: [string, unknown[], number[]][] = [
      ['sigmoid', [], [8, 5, 3]], ['tanh', [], [8, 5, 3]], ['relu', [], [8, 5, 3]], ['leaky_relu', [0.01], [8, 5, 3]],
      ['elu', [1], [8, 5, 3]], ['selu', [], [8, 5, 3]], ['celu', [1], [8, 5, 3]], ['gelu', ['tanh'], [8, 5, 3]],
      ['silu', [], [8, 5, 3]], ['mish', [], [8, 5, 3]], ['softplus', [1, 20], [8, 5, 3]], ['softsign', [], [8, 5, 3]],
      ['hardtanh', [-1, 1], [8, 5, 3]], ['relu6', [], [8, 5, 3]], ['hardsigmoid', [], [8, 5, 3]], ['hardswish', [], [8, 5, 3]],
      ['logsigmoid', [], [8, 5, 3]], ['hardshrink', [0.5], [8, 5, 3]], ['softshrink', [0.5], [8, 5, 3]], ['tanhshrink', [], [8, 5, 3]],
      ['threshold', [0.1, 20], [8, 5, 3]], ['softmax', [null, null], [8, 5, 3]], ['log_softmax', [-1, null], [8, 5, 3]],
      ['softmin', [1, 'float64'], [8, 5, 3]],
    ];
    for (const [op, extra, shape] of cases) {
      const r = addon.run({
        meta: true,
        inputs: [x],
        nodes: [{ op, args: [{ t: 0 }, ...extra] }, { op: 'sum', args: [{ t: 1 }, null, false] }],
        outputs: [1],
        backward: { of: 2, wrt: [0] },
      });
      expect(r.slots[1].shape, op).toEqual(shape);
      expect(r.slots[1].dtype, op).toBe(op === 'softmin' ? 'float64' : 'float32');
      expect(r.slots[1].data, op).toBeUndefined();
      expect(r.cost.flops, op).toBeGreaterThan(0);
      expect(r.grads[0].shape, op).toEqual([8, 5, 3]);
    }
  });

  it('cross_entropy / nll_loss shapes in meta mode; target values are not read', () => {
    const m = (inputs: unknown[], args: unknown[], op = 'cross_entropy') =>
      addon.run({ meta: true, inputs, nodes: [{ op, args }], outputs: [] }).slots[inputs.length];
    const x = { dtype: 'float32', shape: [8, 5, 3, 2] };
    const tg = { dtype: 'int64', shape: [8, 3, 2] };
    expect(m([x, tg], [{ t: 0 }, { t: 1 }, null, -100, 'none', 0.1]).shape).toEqual([8, 3, 2]);
    expect(m([x, tg], [{ t: 0 }, { t: 1 }, null, -100, 'mean', 0]).shape).toEqual([]);
    expect(m([x, tg, { dtype: 'float32', shape: [5] }], [{ t: 0 }, { t: 1 }, { t: 2 }, -100, 'sum', 0.1]).shape).toEqual([]);
    expect(m([x, { dtype: 'float32', shape: [8, 5, 3, 2] }], [{ t: 0 }, { t: 1 }, null, -100, 'none', 0]).shape).toEqual([8, 3, 2]);
    expect(m([{ dtype: 'float64', shape: [4, 7] }, { dtype: 'int64', shape: [4] }], [{ t: 0 }, { t: 1 }, null, -100, 'none'], 'nll_loss').dtype).toBe('float64');
    expect(() => m([x, { dtype: 'int64', shape: [8, 3] }], [{ t: 0 }, { t: 1 }, null, -100, 'none', 0])).toThrow(/spatial targets/);
  });
});
