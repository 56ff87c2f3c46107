// A /v1/losses call → a small IRGraph: loss = F.<name>(**arguments), and the
// backward of the loss (with grad_output for reduction="none") with respect to
// the differentiable tensor arguments — PyTorch's set by default, or `wrt`.
import { isFloatingDType, type HostTensor } from '../encoding/index.js';
import type { Loss } from '../registry/losses.js';
import { GraphBuilder, fail, type BuilderLimits, type Val, type Where } from './builder.js';
import type { IRGraph } from './ir.js';

export interface LossCall {
  loss: Loss;
  /** Tensor arguments by their PyTorch names. */
  tensors: Map<string, HostTensor>;
  /** The other arguments (reduction, margin, ...) as builder values. */
  options: Map<string, Val>;
  wrt: string[] | undefined;
  gradOutput: HostTensor | undefined;
  where: (what: string) => Where;
}

export function compileLoss(call: LossCall, limits: BuilderLimits): IRGraph {
  const { loss } = call;
  const b = new GraphBuilder(limits);
  const kwargs = new Map<string, Val>(call.options);
  const ids = new Map<string, number>();
  for (const [name, t] of call.tensors) {
    const id = b.addInput({ dtype: t.dtype, shape: t.shape, data: t.data, requiresGrad: false, wrapped: false });
    ids.set(name, id);
    kwargs.set(name, { kind: 'tensor', slot: id });
  }
  const y = b.op(loss.name, [], kwargs, call.where(''), (k) => call.where(String(k)));
  if (y.kind !== 'tensor') throw new Error(`internal: ${loss.name} returned a list`);

  const wrt = call.wrt ?? defaultGrads(call);
  wrt.forEach((name, i) => {
    const t = call.tensors.get(name);
    if (!t) throw fail('invalidArgument', { path: `/wrt/${i}` }, `'${name}' is not a tensor argument of this request (tensor arguments given: ${[...call.tensors.keys()].join(', ')})`);
    if (!isFloatingDType(t.dtype)) throw fail('dtypeMismatch', { path: `/wrt/${i}` }, `'${name}' is ${t.dtype}: only Tensors of floating point dtype can require gradients`);
  });
  let gradOutput: number | undefined;
  if (call.gradOutput) {
    const g = call.gradOutput;
    gradOutput = b.addInput({ dtype: g.dtype, shape: g.shape, data: g.data, requiresGrad: false, wrapped: false });
  } else if (wrt.length > 0) {
    // loss.sum().backward(): ones shaped like the loss (a scalar unless reduction="none").
    const ones = b.op('ones_like', [y], new Map(), call.where(''), () => call.where(''));
    if (ones.kind !== 'tensor') throw new Error('internal: ones_like returned a list');
    gradOutput = ones.slot;
  }
  const outputs = [{ name: 'loss', slot: y.slot }];
  const backward = wrt.length > 0 ? { of: y.slot, wrt: wrt.map((n) => ids.get(n)!), ...(gradOutput !== undefined ? { gradOutput } : {}) } : undefined;
  return b.finish(new Map([['loss', y.slot]]), outputs, backward, wrt);
}

/** PyTorch's differentiable arguments among those given, floating ones only. */
function defaultGrads(call: LossCall): string[] {
  const input = call.tensors.get(call.loss.args[0]!.name);
  return call.loss.grads.filter((name) => {
    const t = call.tensors.get(name);
    if (!t || !isFloatingDType(t.dtype)) return false;
    // cross_entropy differentiates its target only as class probabilities (the input's shape).
    if (call.loss.probabilityTarget && name === 'target') return input !== undefined && sameShape(t.shape, input.shape);
    return true;
  });
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
