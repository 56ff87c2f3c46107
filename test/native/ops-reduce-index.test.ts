// Reductions, shape and index ops of the native engine: forward values
// (hand-computed or PyTorch's), first- and second-order gradients against
// central finite differences (float64), meta-mode shapes, and index errors.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const addon: any = require('../../build/Release/gradserve.node');

type Ref = { r: 'in' | 'node'; i: number };
type Arg = Ref | Ref[] | number | boolean | string | null | number[];
interface In { dtype: string; shape: number[]; data?: ArrayBufferView; requiresGrad?: boolean }

const isRef = (a: unknown): a is Ref => typeof a === 'object' && a !== null && !Array.isArray(a) && 'r' in a;

// A small graph builder: refs are resolved to slots (inputs first) by job().
class G {
  inputs: In[] = [];
  nodes: { op: string; args: Arg[] }[] = [];
  input(t: In): Ref { this.inputs.push(t); return { r: 'in', i: this.inputs.length - 1 }; }
  f64(shape: number[], data: number[], requiresGrad = false): Ref {
    return this.input({ dtype: 'float64', shape, data: new Float64Array(data), requiresGrad });
  }
  i64(shape: number[], data: number[]): Ref {
    return this.input({ dtype: 'int64', shape, data: new BigInt64Array(data.map((v) => BigInt(v))) });
  }
  op(op: string, ...args: Arg[]): Ref { this.nodes.push({ op, args }); return { r: 'node', i: this.nodes.length - 1 }; }
  slot(r: Ref): number { return r.r === 'in' ? r.i : this.inputs.length + r.i; }
  arg(a: Arg): unknown {
    if (isRef(a)) return { t: this.slot(a) };
    if (Array.isArray(a) && a.length > 0 && isRef(a[0])) return { tl: (a as Ref[]).map((r) => this.slot(r)) };
    return a;
  }
  job(outputs: Ref[], backward?: { of: Ref; wrt: Ref[] }, meta = false) {
    return {
      meta,
      inputs: meta ? this.inputs.map(({ dtype, shape }) => ({ dtype, shape })) : this.inputs,
      nodes: this.nodes.map((n) => ({ op: n.op, args: n.args.map((a) => this.arg(a)) })),
      outputs: outputs.map((r) => this.slot(r)),
      backward: backward && { of: this.slot(backward.of), wrt: backward.wrt.map((r) => this.slot(r)) },
    };
  }
}

interface Slot { shape: number[]; dtype: string; data?: ArrayBuffer }
const values = (s: Slot): number[] =>
  s.dtype === 'int64' ? Array.from(new BigInt64Array(s.data!), Number)
    : s.dtype === 'bool' ? Array.from(new Uint8Array(s.data!))
      : s.dtype === 'float32' ? Array.from(new Float32Array(s.data!)) : Array.from(new Float64Array(s.data!));

// Runs op(x, ...) once and returns the output slot.
type Build = (g: G, x: Ref) => Ref;
function forward(build: Build, shape: number[], x: number[]): Slot {
  const g = new G();
  const xr = g.f64(shape, x);
  const y = build(g, xr);
  return addon.run(g.job([y])).slots[g.slot(y)];
}
function fwd(build: Build, shape: number[], x: number[]): { shape: number[]; v: number[] } {
  const s = forward(build, shape, x);
  return { shape: s.shape, v: values(s) };
}

// A deterministic pseudo-random sequence.
function rand(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

// sum(w * y + y * y): a scalar whose gradient and Hessian both involve op's.
function scalarOf(build: Build, w: number[], wshape: number[]): Build {
  return (g, x) => {
    const y = build(g, x);
    const wr = g.f64(wshape, w);
    return g.op('sum', g.op('add', g.op('mul', y, wr), g.op('mul', y, y), 1), null, false);
  };
}

function valueAndGrad(scalar: Build, shape: number[], x: number[]): { v: number; grad: number[] } {
  const g = new G();
  const xr = g.f64(shape, x, true);
  const s = scalar(g, xr);
  const r = addon.run(g.job([s], { of: s, wrt: [xr] }));
  return { v: values(r.slots[g.slot(s)])[0]!, grad: values(r.grads[0]) };
}

function checkGradOf(scalar: Build, shape: number[], x: number[], tol: number) {
  const { grad } = valueAndGrad(scalar, shape, x);
  const eps = 1e-6;
  x.forEach((_, i) => {
    const xp = x.slice(); xp[i]! += eps;
    const xm = x.slice(); xm[i]! -= eps;
    const fd = (valueAndGrad(scalar, shape, xp).v - valueAndGrad(scalar, shape, xm).v) / (2 * eps);
    expect(Math.abs(grad[i]! - fd), `d/dx[${i}]: analytic ${grad[i]} vs fd ${fd}`).toBeLessThan(tol * (1 + Math.abs(fd)));
  });
}

// First- and second-order gradients of op at x against finite differences.
function gradcheck(build: Build, shape: number[], x: number[], { tol = 1e-5, second = true } = {}) {
  const out = forward(build, shape, x);
  const n = out.shape.reduce((a, b) => a * b, 1);
  const s1 = scalarOf(build, rand(n, 7), out.shape);
  checkGradOf(s1, shape, x, tol);
  if (!second) return;
  // sum(v * grad(s1, x)) differentiated again: a Hessian-vector product.
  const v = rand(x.length, 11);
  const s2: Build = (g, xr) => {
    const gr = g.op('grad', s1(g, xr), xr, null);
    return g.op('sum', g.op('mul', gr, g.f64(shape, v)), null, false);
  };
  checkGradOf(s2, shape, x, tol * 10);
}

function metaShape(build: (g: G, x: Ref) => Ref, shape: number[], dtype = 'float64'): { shape: number[]; dtype: string } {
  const g = new G();
  const x = g.input({ dtype, shape });
  const y = build(g, x);
  const s = addon.run(g.job([y], undefined, true)).slots[g.slot(y)];
  expect(s.data).toBeUndefined();
  return { shape: s.shape, dtype: s.dtype };
}

function errorOf(fn: () => unknown): { code: string; message: string } {
  try { fn(); } catch (e) { return e as { code: string; message: string }; }
  throw new Error('expected an error');
}

const close = (a: number[], b: number[], tol = 1e-9) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    if (Number.isNaN(b[i]!)) expect(v).toBeNaN();
    else expect(Math.abs(v - b[i]!), `[${i}] ${v} vs ${b[i]}`).toBeLessThan(tol * (1 + Math.abs(b[i]!)));
  });
};

const X23 = [0.3, -1.2, 2.5, 0.7, 1.9, -0.4];

describe('prod', () => {
  const prod = (dim: number | null, keepdim = false): Build => (g, x) => g.op('prod', x, dim, keepdim);
  it('forward', () => {
    expect(fwd(prod(null), [2, 3], [1, 2, 3, 4, 5, 6])).toEqual({ shape: [], v: [720] });
    expect(fwd(prod(1), [2, 3], [1, 2, 3, 4, 5, 6])).toEqual({ shape: [2], v: [6, 120] });
    expect(fwd(prod(0, true), [2, 3], [1, 2, 3, 4, 5, 6])).toEqual({ shape: [1, 3], v: [4, 10, 18] });
  });
  it('gradients without zeros', () => {
    gradcheck(prod(null), [2, 3], X23);
    gradcheck(prod(1), [2, 3], X23);
    gradcheck(prod(-2, true), [2, 3], X23);
  });
  it('gradients with one and with several zeros (PyTorch: product of the others)', () => {
    const g1 = valueAndGrad((g, x) => g.op('prod', x, null, false), [4], [2, 0, 3, 5]).grad;
    close(g1, [0, 30, 0, 0]);
    const g2 = valueAndGrad((g, x) => g.op('prod', x, null, false), [4], [2, 0, 3, 0]).grad;
    close(g2, [0, 0, 0, 0]);
    gradcheck(prod(null), [5], [0.5, 0, -1.5, 2, 1.1]);
    gradcheck(prod(null), [5], [0.5, 0, -1.5, 0, 1.1]);
    gradcheck(prod(1), [2, 3], [0, 1.5, 2, 0, 0, 3]);
    gradcheck(prod(0), [3, 2], [0, 1.5, 2, 0, 0, 3]);
  });
  it('int64 input gives int64', () => {
    expect(metaShape((g, x) => g.op('prod', x, 1, false), [2, 3], 'int64')).toEqual({ shape: [2], dtype: 'int64' });
  });
});

describe('max / min / argmax / argmin', () => {
  it('full max/min: ties share the gradient', () => {
    expect(fwd((g, x) => g.op('max', x, null, false), [2, 2], [1, 3, 3, 2]).v).toEqual([3]);
    const gr = valueAndGrad((g, x) => g.op('max', x, null, false), [2, 2], [1, 3, 3, 2]).grad;
    close(gr, [0, 0.5, 0.5, 0]);
    const gm = valueAndGrad((g, x) => g.op('min', x, null, false), [3], [1, 1, 2]).grad;
    close(gm, [0.5, 0.5, 0]);
    gradcheck((g, x) => g.op('max', x, null, false), [2, 3], X23);
    gradcheck((g, x) => g.op('min', x, null, false), [2, 3], X23);
  });
  it('max/min along dim: values, gradient to the first index', () => {
    expect(fwd((g, x) => g.op('max', x, 1, false), [2, 3], X23)).toEqual({ shape: [2], v: [2.5, 1.9] });
    expect(fwd((g, x) => g.op('min', x, 0, true), [2, 3], X23)).toEqual({ shape: [1, 3], v: [0.3, -1.2, -0.4] });
    const gr = valueAndGrad((g, x) => g.op('max', x, 0, false), [3], [3, 1, 3]).grad;
    close(gr, [1, 0, 0]);
    gradcheck((g, x) => g.op('max', x, 1, false), [2, 3], X23);
    gradcheck((g, x) => g.op('min', x, 0, true), [2, 3], X23);
  });
  it('argmax/argmin: first occurrence, NaN counts as the extreme', () => {
    expect(fwd((g, x) => g.op('argmax', x, null, false), [2, 3], X23)).toEqual({ shape: [], v: [2] });
    expect(fwd((g, x) => g.op('argmax', x, 1, false), [2, 3], [1, 5, 5, 2, 2, 0])).toEqual({ shape: [2], v: [1, 0] });
    expect(fwd((g, x) => g.op('argmin', x, 0, true), [2, 3], X23)).toEqual({ shape: [1, 3], v: [0, 0, 1] });
    expect(fwd((g, x) => g.op('argmax', x, null, false), [4], [1, NaN, 7, NaN]).v).toEqual([1]);
    expect(fwd((g, x) => g.op('argmin', x, null, false), [4], [1, 0, NaN, -3]).v).toEqual([2]);
    expect(fwd((g, x) => g.op('argmax', x, null, true), [2, 3], X23).shape).toEqual([1, 1]);
    expect(fwd((g, x) => g.op('max', x, null, false), [3], [1, NaN, 2]).v[0]).toBeNaN();
  });
  it('errors on empty reductions', () => {
    expect(errorOf(() => forward((g, x) => g.op('argmax', x, null, false), [0], [])).code).toBe('GS_index');
    expect(errorOf(() => forward((g, x) => g.op('max', x, 1, false), [2, 0], [])).message).toBe(
      'max(): Expected reduction dim 1 to have non-zero size.');
  });
});

describe('var / std', () => {
  const X = [1, 2, 4, 7, 0, -3];
  it('forward (PyTorch values)', () => {
    // torch.tensor([1., 2, 4, 7, 0, -3]).var() == 11.7667 (sum of squared deviations 353/6)
    const ss = 353 / 6;
    close(fwd((g, x) => g.op('var', x, null, null, false, null), [6], X).v, [ss / 5]);
    close(fwd((g, x) => g.op('var', x, null, false, false, null), [6], X).v, [ss / 6]);
    close(fwd((g, x) => g.op('var', x, null, true, false, 2), [6], X).v, [ss / 4]);
    close(fwd((g, x) => g.op('std', x, [1], null, false, null), [2, 3], X).v, [Math.sqrt(7 / 3), Math.sqrt(79 / 3)]);
    const s = fwd((g, x) => g.op('var', x, [0], null, true, null), [2, 3], X);
    expect(s.shape).toEqual([1, 3]);
    close(s.v, [18, 2, 24.5]);
    expect(fwd((g, x) => g.op('var', x, null, null, false, null), [1], [3]).v[0]).toBeNaN();
  });
  it('gradients', () => {
    gradcheck((g, x) => g.op('var', x, null, null, false, null), [2, 3], X23);
    gradcheck((g, x) => g.op('var', x, [1], false, true, null), [2, 3], X23);
    gradcheck((g, x) => g.op('std', x, [0], null, false, null), [2, 3], X23);
    gradcheck((g, x) => g.op('std', x, null, null, false, 0), [2, 3], X23);
  });
  it('std gradient is 0 where std is 0 (PyTorch std_backward)', () => {
    close(valueAndGrad((g, x) => g.op('std', x, null, null, false, null), [3], [2, 2, 2]).grad, [0, 0, 0]);
  });
});

describe('norm', () => {
  const norm = (p: number | string, dim: number[] | null = null, keepdim = false): Build => (g, x) => g.op('norm', x, p, dim, keepdim);
  const X = [3, -4, 0, 1, 2, -2];
  it('forward', () => {
    close(fwd(norm('fro'), [2, 3], X).v, [Math.sqrt(34)]);
    close(fwd(norm(2, [1]), [2, 3], X).v, [5, 3]);
    close(fwd(norm(1, [0], true), [2, 3], X).v, [4, 6, 2]);
    close(fwd(norm('inf'), [2, 3], X).v, [4]);
    close(fwd(norm(Infinity, [1]), [2, 3], X).v, [4, 2]);
    close(fwd(norm('-inf', [1]), [2, 3], X).v, [0, 1]);
    close(fwd(norm(3), [2, 3], X).v, [Math.cbrt(27 + 64 + 1 + 8 + 8)]);
    close(fwd(norm(0), [2, 3], X).v, [5]);
  });
  it('gradients', () => {
    for (const p of [1, 2, 'fro', 3, 1.5, 0.5, 'inf', '-inf'] as const) {
      gradcheck(norm(p), [2, 3], X23);
      gradcheck(norm(p, [1]), [2, 3], X23);
    }
  });
  it('gradient at 0 is 0 for p=2; inf-norm ties share', () => {
    close(valueAndGrad(norm(2), [3], [0, 0, 0]).grad, [0, 0, 0]);
    close(valueAndGrad((g, x) => g.op('sum', norm(2, [1])(g, x), null, false), [2, 2], [0, 0, 3, 4]).grad, [0, 0, 0.6, 0.8]);
    close(valueAndGrad(norm('inf'), [3], [2, -2, 1]).grad, [0.5, -0.5, 0]);
  });
});

describe('topk / kthvalue', () => {
  const X = [0.5, 3, -1, 3, 2, 7, 1, -2];
  it('forward and indices (ties: lower index first)', () => {
    expect(fwd((g, x) => g.op('topk', x, 3, -1, true, true), [8], X).v).toEqual([7, 3, 3]);
    expect(fwd((g, x) => g.op('topk_indices', x, 3, -1, true, true), [8], X).v).toEqual([5, 1, 3]);
    expect(fwd((g, x) => g.op('topk_indices', x, 2, -1, false, true), [8], X).v).toEqual([7, 2]);
    expect(fwd((g, x) => g.op('topk', x, 1, 0, true, true), [2, 4], X)).toEqual({ shape: [1, 4], v: [2, 7, 1, 3] });
    expect(fwd((g, x) => g.op('kthvalue', x, 2, -1, false), [2, 4], X)).toEqual({ shape: [2], v: [0.5, 1] });
    expect(fwd((g, x) => g.op('kthvalue_indices', x, 3, -1, true), [2, 4], X)).toEqual({ shape: [2, 1], v: [1, 0] });
    expect(fwd((g, x) => g.op('topk_indices', x, 2, -1, true, true), [4], [1, NaN, 5, 2]).v).toEqual([1, 2]);
  });
  it('gradients go to the picked indices', () => {
    close(valueAndGrad((g, x) => g.op('sum', g.op('topk', x, 2, -1, true, true), null, false), [4], [1, 5, 3, 5]).grad, [0, 1, 0, 1]);
    gradcheck((g, x) => g.op('topk', x, 2, 1, true, true), [2, 3], X23);
    gradcheck((g, x) => g.op('kthvalue', x, 2, 0, false), [3, 2], X23);
  });
  it('k out of range', () => {
    expect(errorOf(() => forward((g, x) => g.op('topk', x, 9, -1, true, true), [8], X)).code).toBe('GS_index');
    expect(errorOf(() => forward((g, x) => g.op('kthvalue', x, 0, -1, false), [8], X)).code).toBe('GS_index');
  });
});

describe('shape ops', () => {
  const X6 = [1, 2, 3, 4, 5, 6];
  it('forward values and shapes', () => {
    expect(fwd((g, x) => g.op('reshape', x, [3, -1]), [2, 3], X6)).toEqual({ shape: [3, 2], v: X6 });
    expect(fwd((g, x) => g.op('view', x, [6]), [2, 3], X6).shape).toEqual([6]);
    expect(fwd((g, x) => g.op('flatten', x, 0, -1), [2, 3], X6).shape).toEqual([6]);
    expect(fwd((g, x) => g.op('squeeze', x, null), [1, 2, 1, 3], X6).shape).toEqual([2, 3]);
    expect(fwd((g, x) => g.op('squeeze', x, [0]), [1, 2, 1, 3], X6).shape).toEqual([2, 1, 3]);
    expect(fwd((g, x) => g.op('unsqueeze', x, -1), [2, 3], X6).shape).toEqual([2, 3, 1]);
    expect(fwd((g, x) => g.op('transpose', x, 0, 1), [2, 3], X6)).toEqual({ shape: [3, 2], v: [1, 4, 2, 5, 3, 6] });
    expect(fwd((g, x) => g.op('t', x), [2, 3], X6)).toEqual({ shape: [3, 2], v: [1, 4, 2, 5, 3, 6] });
    expect(fwd((g, x) => g.op('permute', x, [1, 0]), [2, 3], X6).v).toEqual([1, 4, 2, 5, 3, 6]);
    expect(fwd((g, x) => g.op('expand', x, [2, -1, 3]), [1, 3], [1, 2, 3])).toEqual({ shape: [2, 1, 3], v: [1, 2, 3, 1, 2, 3] });
    expect(fwd((g, x) => g.op('repeat', x, [2, 1, 2]), [1, 3], [1, 2, 3])).toEqual({ shape: [2, 1, 6], v: [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3] });
    expect(fwd((g, x) => g.op('repeat', x, [2, 2]), [2], [1, 2])).toEqual({ shape: [2, 4], v: [1, 2, 1, 2, 1, 2, 1, 2] });
    expect(fwd((g, x) => g.op('cat', [x, x], 1), [2, 3], X6)).toEqual({ shape: [2, 6], v: [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6] });
    expect(fwd((g, x) => g.op('stack', [x, x], 0), [2, 3], X6).shape).toEqual([2, 2, 3]);
    expect(fwd((g, x) => g.op('narrow', x, 1, 1, 2), [2, 3], X6)).toEqual({ shape: [2, 2], v: [2, 3, 5, 6] });
    expect(fwd((g, x) => g.op('select', x, 1, -1), [2, 3], X6)).toEqual({ shape: [2], v: [3, 6] });
    expect(fwd((g, x) => g.op('slice', x, 1, null, null, 2), [2, 3], X6)).toEqual({ shape: [2, 2], v: [1, 3, 4, 6] });
  });
  it('split and chunk (PyTorch sizing)', () => {
    const sizes = (op: string, ...args: Arg[]) => {
      const g = new G();
      const x = g.f64([7, 2], rand(14, 3));
      const y = g.op(op, x, ...args);
      const r = addon.run(g.job([y]));
      return (r.slots[g.slot(y)] as Slot[]).map((s) => s.shape[0]);
    };
    expect(sizes('split', [3], 0)).toEqual([3, 3, 1]);
    expect(sizes('split', [2, 5], 0)).toEqual([2, 5]);
    expect(sizes('chunk', 3, 0)).toEqual([3, 3, 1]);
    expect(sizes('chunk', 4, 0)).toEqual([2, 2, 2, 1]);
    expect(sizes('chunk', 6, 0)).toEqual([2, 2, 2, 1]);
    expect(errorOf(() => sizes('split', [2, 4], 0)).message).toBe(
      "split_with_sizes expects split_sizes to sum exactly to 7 (input tensor's size at dimension 0), but got split_sizes=[2, 4]");
    expect(errorOf(() => sizes('chunk', 0, 0)).message).toBe('chunk expects `chunks` to be greater than 0, got: 0');
  });
  it('hostile arguments are errors', () => {
    expect(errorOf(() => forward((g, x) => g.op('repeat', x, [2 ** 52, 2 ** 52]), [2, 3], X6)).code).toBe('GS_limit');
    expect(errorOf(() => forward((g, x) => g.op('repeat', x, [2]), [2, 3], X6)).code).toBe('GS_shape');
    expect(errorOf(() => forward((g, x) => g.op('repeat', x, [-1, 2]), [2, 3], X6)).code).toBe('GS_value');
    expect(errorOf(() => forward((g, x) => g.op('split', x, [2 ** 53, 2 ** 53, 1 - 2 ** 53], 0), [2, 3], X6)).code).toBe('GS_value');
    expect(errorOf(() => forward((g, x) => g.op('getitem', x, [0, 1, 0]), [2, 3], X6)).code).toBe('GS_value');
    expect(errorOf(() => forward((g, x) => g.op('getitem', x, [7, 0, 0, 0]), [2, 3], X6)).code).toBe('GS_value');
    expect(errorOf(() => forward((g, x) => g.op('narrow', x, 1, 2, 2 ** 53), [2, 3], X6)).code).toBe('GS_index');
  });
  it('gradients', () => {
    gradcheck((g, x) => g.op('repeat', x, [2, 1, 2]), [2, 3], X23);
    gradcheck((g, x) => g.op('expand', x, [2, 2, 3]), [2, 3], X23);
    gradcheck((g, x) => g.op('permute', x, [1, 0]), [2, 3], X23);
    gradcheck((g, x) => g.op('cat', [x, g.op('mul', x, x)], 0), [2, 3], X23);
    gradcheck((g, x) => g.op('stack', [x, x], 2), [2, 3], X23);
    gradcheck((g, x) => g.op('narrow', x, 1, 1, 2), [2, 3], X23);
    gradcheck((g, x) => g.op('select', x, 0, 1), [2, 3], X23);
    gradcheck((g, x) => g.op('slice', x, 1, -2, null, 1), [2, 3], X23);
    gradcheck((g, x) => g.op('flatten', g.op('transpose', x, 0, 1), 0, -1), [2, 3], X23);
  });
});

describe('index ops', () => {
  const X = [10, 11, 12, 20, 21, 22];
  const gather = (dim: number, shape: number[], idx: number[]): Build => (g, x) => g.op('gather', x, dim, g.i64(shape, idx));
  const isel = (dim: number, idx: number[]): Build => (g, x) => g.op('index_select', x, dim, g.i64([idx.length], idx));
  it('gather / index_select forward', () => {
    expect(fwd(gather(1, [2, 2], [2, 0, 1, 1]), [2, 3], X)).toEqual({ shape: [2, 2], v: [12, 10, 21, 21] });
    expect(fwd(gather(0, [1, 3], [1, 0, 1]), [2, 3], X)).toEqual({ shape: [1, 3], v: [20, 11, 22] });
    expect(fwd(isel(1, [2, 2, 0]), [2, 3], X)).toEqual({ shape: [2, 3], v: [12, 12, 10, 22, 22, 20] });
    expect(fwd(isel(0, [1]), [2, 3], X)).toEqual({ shape: [1, 3], v: [20, 21, 22] });
  });
  it('scatter_add / index_add forward', () => {
    const sa: Build = (g, x) => g.op('scatter_add', x, 1, g.i64([2, 2], [0, 0, 2, 1]), g.f64([2, 3], [1, 2, 3, 4, 5, 6]));
    expect(fwd(sa, [2, 3], X).v).toEqual([13, 11, 12, 20, 26, 26]);
    const ia: Build = (g, x) => g.op('index_add', x, 0, g.i64([2], [1, 1]), g.f64([2, 3], [1, 2, 3, 4, 5, 6]), 2);
    expect(fwd(ia, [2, 3], X).v).toEqual([10, 11, 12, 30, 35, 40]);
  });
  it('gradients (first and second order)', () => {
    gradcheck(gather(1, [2, 2], [2, 0, 1, 1]), [2, 3], X23);
    gradcheck(gather(0, [3, 2], [1, 0, 1, 1, 0, 0]), [2, 2], X23.slice(0, 4));
    gradcheck(isel(1, [2, 2, 0]), [2, 3], X23);
    gradcheck((g, x) => g.op('scatter_add', g.f64([2, 4], rand(8, 5)), 1, g.i64([2, 2], [0, 3, 3, 3]), x), [2, 3], X23);
    gradcheck((g, x) => g.op('scatter_add', x, 0, g.i64([1, 2], [1, 0]), g.op('mul', x, x)), [2, 3], X23);
    gradcheck((g, x) => g.op('index_add', x, 1, g.i64([2], [2, 2]), g.op('narrow', g.op('mul', x, x), 1, 0, 2), 1.5), [2, 3], X23);
  });
  it('out-of-range and malformed indices are errors, never UB', () => {
    const e1 = errorOf(() => forward(gather(1, [2, 1], [1, 3]), [2, 3], X));
    expect(e1.code).toBe('GS_index');
    expect(e1.message).toBe('index 3 is out of bounds for dimension 1 with size 3');
    expect(errorOf(() => forward(gather(1, [2, 1], [0, -1]), [2, 3], X)).code).toBe('GS_index');
    expect(errorOf(() => forward(isel(0, [2]), [2, 3], X)).code).toBe('GS_index');
    expect(errorOf(() => forward(isel(1, [-1]), [2, 3], X)).code).toBe('GS_index');
    const sa: Build = (g, x) => g.op('scatter_add', x, 0, g.i64([1, 1], [5]), g.f64([1, 1], [1]));
    expect(errorOf(() => forward(sa, [2, 3], X)).code).toBe('GS_index');
    const ia: Build = (g, x) => g.op('index_add', x, 0, g.i64([1], [2]), g.f64([1, 3], [1, 1, 1]), 1);
    expect(errorOf(() => forward(ia, [2, 3], X)).code).toBe('GS_index');
    const e2 = errorOf(() => forward((g, x) => g.op('index_select', x, 0, g.i64([1, 1], [0])), [2, 3], X));
    expect(e2.message).toBe('index_select(): Index is supposed to be a vector');
    const e3 = errorOf(() => forward((g, x) => g.op('gather', x, 0, g.f64([1, 1], [0])), [2, 3], X));
    expect(e3.code).toBe('GS_dtype');
    expect(errorOf(() => forward((g, x) => g.op('select', x, 0, 2), [2, 3], X)).code).toBe('GS_index');
  });
});

describe('getitem', () => {
  const N = 9007199254740991;
  const X = Array.from({ length: 24 }, (_, i) => i);
  const gi = (...spec: number[]): Build => (g, x) => g.op('getitem', x, spec);
  it('basic indexing like NumPy', () => {
    expect(fwd(gi(0, 1, 0, 0), [2, 3, 4], X)).toEqual({ shape: [3, 4], v: X.slice(12) });               // x[1]
    expect(fwd(gi(1, N, N, 1, 0, -1, 0, 0), [2, 3, 4], X)).toEqual({ shape: [2, 4], v: [8, 9, 10, 11, 20, 21, 22, 23] }); // x[:, -1]
    expect(fwd(gi(2, 0, 0, 0, 0, 0, 0, 0), [2, 3, 4], X)).toEqual({ shape: [2, 3], v: [0, 4, 8, 12, 16, 20] }); // x[..., 0]
    expect(fwd(gi(0, 0, 0, 0, 1, 1, N, 2), [2, 3, 4], X).v).toEqual([4, 5, 6, 7]);                      // x[0, 1::2]
    expect(fwd(gi(3, 0, 0, 0, 0, 1, 0, 0, 3, 0, 0, 0), [2, 3, 4], X).shape).toEqual([1, 1, 3, 4]);     // x[None, 1, None]
    expect(fwd(gi(1, N, N, 2, 2, 0, 0, 0, 1, 1, 3, 1), [2, 3, 4], X).v).toEqual([1, 2, 5, 6, 9, 10]);  // x[::2, ..., 1:3]
    expect(fwd(gi(), [2, 3, 4], X).shape).toEqual([2, 3, 4]);
  });
  it('errors', () => {
    expect(errorOf(() => forward(gi(1, N, N, -1), [2, 3, 4], X)).message).toBe('step must be greater than zero');
    expect(errorOf(() => forward(gi(0, 2, 0, 0), [2, 3, 4], X)).message).toBe('index 2 is out of bounds for dimension 0 with size 2');
    expect(errorOf(() => forward(gi(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), [2, 3, 4], X)).code).toBe('GS_index');
    expect(errorOf(() => forward(gi(2, 0, 0, 0, 2, 0, 0, 0), [2, 3, 4], X)).code).toBe('GS_index');
  });
  it('gradients', () => {
    gradcheck(gi(1, N, N, 1, 0, -1, 0, 0), [2, 3], X23);
    gradcheck(gi(3, 0, 0, 0, 2, 0, 0, 0, 1, 0, N, 2), [2, 3], X23);
  });
});

describe('meta mode', () => {
  const cases: [string, (g: G, x: Ref) => Ref, string][] = [
    ['prod', (g, x) => g.op('prod', x, 1, true), 'float64'],
    ['max dim', (g, x) => g.op('max', x, 0, false), 'float64'],
    ['max', (g, x) => g.op('max', x, null, false), 'float64'],
    ['argmin', (g, x) => g.op('argmin', x, -1, true), 'int64'],
    ['var', (g, x) => g.op('var', x, [0, 1], null, false, null), 'float64'],
    ['norm', (g, x) => g.op('norm', x, 'fro', [1], true), 'float64'],
    ['topk', (g, x) => g.op('topk', x, 2, 0, true, true), 'float64'],
    ['topk_indices', (g, x) => g.op('topk_indices', x, 2, -1, true, true), 'int64'],
    ['kthvalue', (g, x) => g.op('kthvalue', x, 2, 1, false), 'float64'],
    ['repeat', (g, x) => g.op('repeat', x, [2, 3, 1]), 'float64'],
    ['gather', (g, x) => g.op('gather', x, 1, g.input({ dtype: 'int64', shape: [3, 7] })), 'float64'],
    ['index_select', (g, x) => g.op('index_select', x, 1, g.input({ dtype: 'int64', shape: [5] })), 'float64'],
    ['getitem', (g, x) => g.op('getitem', x, [1, 1, 9007199254740991, 1, 3, 0, 0, 0]), 'float64'],
  ];
  const want: Record<string, number[]> = {
    prod: [2, 1, 1], 'max dim': [4], max: [], argmin: [3, 1], var: [], norm: [3, 1], topk: [2, 4],
    topk_indices: [3, 2], kthvalue: [2], repeat: [2, 6, 4], gather: [3, 7], index_select: [3, 5], getitem: [1, 1, 3, 4],
  };
  const inShape: Record<string, number[]> = {
    prod: [2, 4, 1], 'max dim': [3, 4], max: [2, 2], argmin: [3, 4], var: [2, 2], norm: [3, 4], topk: [5, 4],
    topk_indices: [3, 6], kthvalue: [2, 3], repeat: [2, 4], gather: [3, 9], index_select: [3, 2], getitem: [2, 3, 4],
  };
  for (const [name, build, dtype] of cases) {
    it(name, () => {
      const r = metaShape(build, inShape[name]!);
      expect(r).toEqual({ shape: want[name], dtype });
    });
  }
  it('gradients in meta mode have the input shape', () => {
    const g = new G();
    const x = g.input({ dtype: 'float64', shape: [3, 4], requiresGrad: true });
    const y = g.op('prod', x, null, false);
    const gr = g.op('grad', g.op('grad', y, x, null), x, null);
    const r = addon.run(g.job([gr], { of: g.op('sum', gr, null, false), wrt: [x] }, true));
    expect(r.slots[g.slot(gr)].shape).toEqual([3, 4]);
    expect(r.grads[0].shape).toEqual([3, 4]);
    expect(r.cost.flops).toBeGreaterThan(0);
  });
  it('split returns a list of meta tensors', () => {
    const g = new G();
    const x = g.input({ dtype: 'float32', shape: [5, 2] });
    const y = g.op('split', x, [2], 0);
    const r = addon.run(g.job([y], undefined, true));
    expect((r.slots[g.slot(y)] as Slot[]).map((s) => s.shape)).toEqual([[2, 2], [2, 2], [1, 2]]);
  });
});
