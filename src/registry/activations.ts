// The activations of /v1/activations: a selection of the engine's ops. Their
// options (names, types, defaults) are the op schemas' arguments after
// `input`, read from the catalogue — nothing about them is repeated here.
import { ProblemError } from '../errors.js';
import { findOp } from './catalogue.js';
import type { ArgSpec, OpSchema } from './schema.js';

/** torch.nn.functional name → torch.nn class name (accepted as an alias). */
const ACTIVATIONS: Record<string, string> = {
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  relu: 'ReLU',
  leaky_relu: 'LeakyReLU',
  elu: 'ELU',
  selu: 'SELU',
  celu: 'CELU',
  gelu: 'GELU',
  silu: 'SiLU',
  mish: 'Mish',
  softplus: 'Softplus',
  softsign: 'Softsign',
  hardtanh: 'Hardtanh',
  hardsigmoid: 'Hardsigmoid',
  hardswish: 'Hardswish',
  relu6: 'ReLU6',
  logsigmoid: 'LogSigmoid',
  softmax: 'Softmax',
  log_softmax: 'LogSoftmax',
  softmin: 'Softmin',
  hardshrink: 'Hardshrink',
  softshrink: 'Softshrink',
  tanhshrink: 'Tanhshrink',
  threshold: 'Threshold',
};

export interface Activation {
  name: string;
  alias: string;
  op: OpSchema;
  /** The op's arguments after `input`, by their PyTorch names. */
  options: ArgSpec[];
  /** Normalises along a dimension (softmax, log_softmax, softmin): not elementwise. */
  alongDim: boolean;
}

let table: Map<string, Activation> | undefined;
let aliases: Map<string, string> | undefined;

export function activations(): Map<string, Activation> {
  if (!table) {
    table = new Map();
    aliases = new Map();
    for (const [name, alias] of Object.entries(ACTIVATIONS)) {
      const op = findOp(name);
      if (!op) throw new Error(`internal: the engine has no op '${name}'`);
      const options = op.args.filter((a) => a.name !== 'input');
      table.set(name, { name, alias, op, options, alongDim: options.some((a) => a.name === 'dim') });
      aliases.set(alias, name);
    }
  }
  return table;
}

export function activationNames(): string[] {
  return [...activations().keys()];
}

/** The activation named `name` (functional or nn class name); 404 listing the known ones otherwise. */
export function findActivation(name: string): Activation {
  const all = activations();
  const found = all.get(name) ?? all.get(aliases!.get(name) ?? '');
  if (found) return found;
  throw new ProblemError('notFound', `unknown activation '${name}'; known activations: ${activationNames().join(', ')} (or their torch.nn class names, e.g. ReLU)`);
}

/** An option's default as JSON (non-finite numbers as strings), or undefined when it has none. */
export function optionDefault(a: ArgSpec): unknown {
  if (!a.hasDefault) return undefined;
  return typeof a.default === 'number' && !Number.isFinite(a.default) ? String(a.default) : a.default;
}
