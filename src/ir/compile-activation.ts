// An activation call → a tiny IRGraph: y = act(x, **options), the backward of
// y with grad_output (default ones: d(sum(y))/dx) and, when asked,
// J = jacobian(y, x). Options are bound by GraphBuilder.op, so an unknown or
// ill-typed option gets Python's wording, as in a program.
import { isFloatingDType, type HostTensor } from '../encoding/index.js';
import type { Activation } from '../registry/activations.js';
import type { ArgSpec } from '../registry/schema.js';
import { GraphBuilder, fail, type BuilderLimits, type Val, type Where } from './builder.js';
import type { IRGraph } from './ir.js';

export interface ActivationCall {
  act: Activation;
  input: HostTensor;
  /** Options by their PyTorch names, as builder values. */
  options: Map<string, Val>;
  gradOutput?: HostTensor | undefined;
  jacobian: boolean;
  /** Where the call ('call'), the input, grad_output and an option (by name) are in the request. */
  where: (what: 'call' | 'input' | 'grad_output' | string) => Where;
}

/** Graph outputs: `output` and, when asked, `jacobian`; the one gradient is d/d input. */
export function compileActivation(call: ActivationCall, limits: BuilderLimits): IRGraph {
  const { act, input } = call;
  if (!isFloatingDType(input.dtype))
    throw fail('dtypeMismatch', call.where('input'), `${act.name}: the input must be float32 or float64 to be differentiated, not ${input.dtype} (only Tensors of floating point dtype can require gradients)`);
  const b = new GraphBuilder(limits);
  const xId = b.addInput({ dtype: input.dtype, shape: input.shape, data: input.data, requiresGrad: true, wrapped: false });
  const x: Val = { kind: 'tensor', slot: xId };
  const y = b.op(act.name, [x], call.options, call.where('call'), (k) => call.where(typeof k === 'number' ? 'input' : k));
  if (y.kind !== 'tensor') throw new Error(`internal: ${act.name} returned a list`);
  const outputs = [{ name: 'output', slot: y.slot }];
  if (call.jacobian) {
    const J = b.op('jacobian', [y, x], new Map(), call.where('input'), () => call.where('input'));
    if (J.kind !== 'tensor') throw new Error('internal: jacobian returned a list');
    outputs.push({ name: 'jacobian', slot: J.slot });
  }
  let gradOutput: number;
  if (call.gradOutput) {
    const g = call.gradOutput;
    gradOutput = b.addInput({ dtype: g.dtype, shape: g.shape, data: g.data, requiresGrad: false, wrapped: false });
  } else {
    // y.sum().backward(): a grad_output of ones shaped like y.
    const ones = b.op('ones_like', [y], new Map(), call.where('input'), () => call.where('input'));
    if (ones.kind !== 'tensor') throw new Error('internal: ones_like returned a list');
    gradOutput = ones.slot;
  }
  const names = new Map(outputs.map((o) => [o.name, o.slot]));
  return b.finish(names, outputs, { of: y.slot, wrt: [xId], gradOutput }, ['input']);
}

/** A JSON option value (from a body) as a builder value: strings are literals. */
export function optionFromJson(v: unknown, where: Where): Val {
  if (v === null) return { kind: 'none' };
  if (typeof v === 'number') return { kind: 'num', value: v, isInt: Number.isInteger(v) };
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  if (typeof v === 'string') return { kind: 'str', value: v };
  if (Array.isArray(v)) return { kind: 'list', items: v.map((x, i) => optionFromJson(x, { path: `${where.path}/${i}` })) };
  throw fail('invalidArgument', where, 'an option must be a number, a boolean, a string, null or an array');
}

/**
 * A query-string option as a builder value, read by the type its schema
 * gives (float, int, bool, str). An unknown name stays a string: the
 * builder then reports the unexpected keyword argument.
 */
export function optionFromQuery(spec: ArgSpec | undefined, raw: string, where: Where): Val {
  const none = spec?.optional && (raw === 'None' || raw === 'null' || raw === '');
  if (none) return { kind: 'none' };
  switch (spec?.type) {
    case 'float':
    case 'Scalar': {
      const t = raw.trim();
      if (/^[+-]?(inf|Infinity|nan|NaN)$/.test(t)) return { kind: 'str', value: t.replace(/^\+/, '') };
      const n = Number(t);
      if (t === '' || Number.isNaN(n)) throw fail('invalidRequest', where, `query parameter '${spec.name}' must be a number, not ${JSON.stringify(raw)}`);
      return { kind: 'num', value: n, isInt: false };
    }
    case 'int':
      if (!/^[+-]?\d+$/.test(raw.trim())) throw fail('invalidRequest', where, `query parameter '${spec.name}' must be an integer, not ${JSON.stringify(raw)}`);
      return { kind: 'num', value: Number(raw), isInt: true };
    case 'bool':
      if (/^(true|True|1)$/.test(raw)) return { kind: 'bool', value: true };
      if (/^(false|False|0)$/.test(raw)) return { kind: 'bool', value: false };
      throw fail('invalidRequest', where, `query parameter '${spec.name}' must be true or false, not ${JSON.stringify(raw)}`);
    default:
      return { kind: 'str', value: raw };
  }
}
