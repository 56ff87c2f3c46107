// Builds an IRGraph op by op. Both front ends (program text and node lists)
// call `op()` with the values of a call's arguments; the builder matches them
// to the op's schema (positional, keyword, defaults, types) with Python's
// error wording, turns literals into constants, and appends the node.
import { problemAt, type ProblemError, type ProblemName, type Where } from '../errors.js';
import { findOp, suggestOps } from '../registry/catalogue.js';
import type { ArgSpec, OpSchema } from '../registry/schema.js';
import type { DType } from '../encoding/index.js';
import type { IRArg, IRGraph, IRInput, IRNode, IRSource } from './ir.js';

/** A value during compilation: a tensor slot or a literal. */
export type Val =
  | { kind: 'tensor'; slot: number }
  | { kind: 'tensorList'; slot: number }
  | { kind: 'num'; value: number; isInt: boolean }
  // In a node list a string may name a tensor: `ref` is what it names (null
  // when nothing), used where a tensor is expected; elsewhere it is a literal.
  | { kind: 'str'; value: string; ref?: Val | null; where?: Where }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' }
  | { kind: 'list'; items: Val[] }
  | { kind: 'dtype'; value: DType };

export type { Where };

export function fail(name: ProblemName, where: Where, message: string): ProblemError {
  return problemAt(name, where, message);
}

const DTYPE_ALIASES: Record<string, DType> = {
  float32: 'float32',
  float: 'float32',
  float64: 'float64',
  double: 'float64',
  int64: 'int64',
  long: 'int64',
  bool: 'bool',
};

export function dtypeFromName(name: string): DType | undefined {
  return lookup(DTYPE_ALIASES, name);
}

/** table[key] for a key the client chose: own entries only, never Object.prototype's ('constructor', 'toString'...). */
export function lookup<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

const NONE_SENTINEL = 9007199254740991; // getitem's "no bound" (2^53 - 1)
export { NONE_SENTINEL };

export interface BuilderLimits {
  maxGraphNodes: number;
  maxTensorElements: number;
}

// While building, values are numbered by creation (ids); inputs and
// constants may appear after nodes (a literal in the third statement), so
// finish() renumbers everything into slots: inputs and constants first, then
// nodes, as the engine expects.
type Entry = { input: number } | { node: number };

export class GraphBuilder {
  readonly inputs: IRInput[] = [];
  private readonly nodes: IRNode[] = [];
  private readonly sources: IRSource[] = [];
  private readonly ids: Entry[] = [];
  private readonly idIsList: boolean[] = [];

  constructor(private readonly limits: BuilderLimits) {}

  /** Adds an input tensor; returns its id. */
  addInput(input: IRInput): number {
    this.inputs.push(input);
    this.ids.push({ input: this.inputs.length - 1 });
    return this.ids.length - 1;
  }

  /** Appends a call of `opName`; returns the value it produces. */
  op(name: string, args: Val[], kwargs: Map<string, Val>, where: Where, argWhere: (i: number | string) => Where): Val {
    const opName = resolveOverload(name, args, kwargs);
    const schema = findOp(opName);
    if (!schema) {
      const hint = suggestOps(opName);
      throw fail('unknownOp', where, `unknown op '${opName}'${hint.length ? ` (did you mean ${hint.map((h) => `'${h}'`).join(', ')}?)` : ''}; GET /v1/ops lists every op`);
    }
    const { bound, vals } = this.bind(schema, args, kwargs, where, argWhere);
    inferCreationDtype(schema, bound, vals);
    return this.emit(schema, bound, where);
  }

  /** Appends a node whose arguments are already IR values (internal use). */
  emit(schema: OpSchema, args: IRArg[], where: Where): Val {
    if (this.nodes.length >= this.limits.maxGraphNodes)
      throw fail('tooLarge', where, `the graph has more than MAX_GRAPH_NODES (${this.limits.maxGraphNodes}) ops`);
    this.nodes.push({ op: schema.name, args });
    const src: IRSource = { path: where.path, label: schema.name };
    if (where.line !== undefined) {
      src.line = where.line;
      src.column = where.column;
    }
    this.sources.push(src);
    this.ids.push({ node: this.nodes.length - 1 });
    const id = this.ids.length - 1;
    const isList = schema.returns === 'Tensor[]';
    this.idIsList[id] = isList;
    return isList ? { kind: 'tensorList', slot: id } : { kind: 'tensor', slot: id };
  }

  /** Matches call arguments to the schema, Python style. */
  private bind(
    schema: OpSchema,
    args: Val[],
    kwargs: Map<string, Val>,
    where: Where,
    argWhere: (i: number | string) => Where,
  ): { bound: IRArg[]; vals: Array<Val | undefined> } {
    const params = schema.args;
    const positional = params.filter((p) => !p.kwOnly);
    let given = args;
    // Varargs sizes, as in x.view(2, 3) or zeros(2, 3): extra ints pack into the int[] parameter.
    const listAt = positional.findIndex((p) => p.type === 'int[]');
    if (given.length > positional.length && listAt >= 0 && given.slice(listAt).every((v) => v.kind === 'num')) {
      given = [...given.slice(0, listAt), { kind: 'list', items: given.slice(listAt) }];
    }
    if (given.length > positional.length)
      throw fail('invalidArgument', where, `${schema.name}() takes ${positional.length} positional argument${positional.length === 1 ? '' : 's'} but ${given.length} were given`);
    const slots: Array<{ val: Val; where: Where } | undefined> = params.map(() => undefined);
    given.forEach((v, i) => {
      slots[i] = { val: v, where: argWhere(i) };
    });
    for (const [k, v] of kwargs) {
      const idx = params.findIndex((p) => p.name === k);
      if (idx < 0) {
        const names = params.map((p) => p.name).join(', ');
        throw fail('invalidArgument', argWhere(k), `${schema.name}() got an unexpected keyword argument '${k}' (its arguments: ${names})`);
      }
      if (slots[idx]) throw fail('invalidArgument', argWhere(k), `${schema.name}() got multiple values for argument '${k}'`);
      slots[idx] = { val: v, where: argWhere(k) };
    }
    const bound = params.map((p, i) => {
      const s = slots[i];
      if (!s) {
        if (!p.hasDefault) throw fail('invalidArgument', where, `${schema.name}() missing required argument '${p.name}'`);
        return defaultArg(p);
      }
      return this.coerce(schema, p, s.val, s.where);
    });
    return { bound, vals: slots.map((s) => s?.val) };
  }

  private coerce(schema: OpSchema, p: ArgSpec, v: Val, where: Where): IRArg {
    const what = `${schema.name}(): argument '${p.name}'`;
    if (v.kind === 'none') {
      if (p.optional) return null;
      throw fail('invalidArgument', where, `${what} must be ${describe(p)}, not None`);
    }
    switch (p.type) {
      case 'Tensor':
        return { t: this.tensorSlot(v, where, what) };
      case 'Tensor[]': {
        if (v.kind === 'tensorList') return { tl: [v.slot] };
        if (v.kind === 'str' && v.ref && v.ref.kind === 'tensorList') return { tl: [v.ref.slot] };
        if (v.kind === 'list') return { tl: v.items.map((item) => this.tensorSlot(item, where, what)) };
        throw fail('invalidArgument', where, `${what} must be a list of tensors`);
      }
      case 'int': {
        if (v.kind === 'bool') return v.value ? 1 : 0;
        if (v.kind === 'num' && Number.isInteger(v.value)) return v.value;
        throw fail('invalidArgument', where, `${what} must be an integer, not ${show(v)}`);
      }
      case 'int[]': {
        if (v.kind === 'num' && Number.isInteger(v.value)) return [v.value];
        if (v.kind === 'list' && v.items.every((x) => x.kind === 'num' && Number.isInteger(x.value)))
          return v.items.map((x) => (x as { value: number }).value);
        throw fail('invalidArgument', where, `${what} must be an integer or a list of integers, not ${show(v)}`);
      }
      case 'Scalar|str':
        if (v.kind === 'str') return v.value;
        if (v.kind === 'num') return v.value;
        throw fail('invalidArgument', where, `${what} must be a number or a string, not ${show(v)}`);
      case 'float':
      case 'Scalar': {
        if (v.kind === 'num') return v.value;
        if (v.kind === 'bool') return v.value ? 1 : 0;
        if (v.kind === 'str') {
          const n = lookup(NON_FINITE, v.value);
          if (n !== undefined) return n;
          if (p.type === 'Scalar') return v.value; // e.g. norm's p="fro"; the engine validates it
        }
        throw fail('invalidArgument', where, `${what} must be a number, not ${show(v)}`);
      }
      case 'bool':
        if (v.kind === 'bool') return v.value;
        throw fail('invalidArgument', where, `${what} must be true or false, not ${show(v)}`);
      case 'str':
        if (v.kind === 'str') return v.value;
        throw fail('invalidArgument', where, `${what} must be a string, not ${show(v)}`);
      case 'ScalarType': {
        const name = v.kind === 'dtype' ? v.value : v.kind === 'str' ? dtypeFromName(v.value) : undefined;
        if (name) return name;
        throw fail('invalidArgument', where, `${what} must be a dtype (float32, float64, int64 or bool), not ${show(v)}`);
      }
    }
  }

  /** The slot of a tensor value, making literals into constants. */
  tensorSlot(v: Val, where: Where, what = 'value'): number {
    switch (v.kind) {
      case 'tensor':
        return v.slot;
      case 'str':
        if (v.ref === null) throw fail('unknownName', v.where ?? where, `no tensor named '${v.value}' (not an input nor a node id)`);
        if (v.ref !== undefined) return this.tensorSlot(v.ref, v.where ?? where, what);
        throw fail('invalidArgument', where, `${what} must be a tensor, not ${show(v)}`);
      case 'tensorList':
        throw fail('invalidArgument', where, `${what} must be a tensor, but this is a list of tensors; pick one with [i]`);
      case 'num':
        return this.constant({ dtype: v.isInt ? 'int64' : 'float64', shape: [], values: [v.value], wrapped: true }, where);
      case 'bool':
        return this.constant({ dtype: 'bool', shape: [], values: [v.value ? 1 : 0], wrapped: true }, where);
      case 'list':
        return this.constant(literalTensor(v, where, this.limits.maxTensorElements), where);
      default:
        throw fail('invalidArgument', where, `${what} must be a tensor, not ${show(v)}`);
    }
  }

  private constant(c: { dtype: DType; shape: number[]; values: number[]; wrapped: boolean }, _where: Where): number {
    this.inputs.push(constantInput(c));
    this.ids.push({ input: this.inputs.length - 1 });
    return this.ids.length - 1;
  }

  isList(id: number): boolean {
    return this.idIsList[id] === true;
  }

  /** The graph with ids renumbered into engine slots. */
  finish(
    names: Map<string, number>,
    outputs: Array<{ name: string; slot: number }>,
    backward: IRGraph['backward'],
    wrtNames: string[],
    backwardOrigin?: IRGraph['backwardOrigin'],
  ): IRGraph {
    const nIn = this.inputs.length;
    const slotOf = (id: number): number => {
      const e = this.ids[id];
      if (!e) throw new Error(`internal: unknown id ${id}`);
      return 'input' in e ? e.input : nIn + e.node;
    };
    const nodes = this.nodes.map((n) => ({
      op: n.op,
      args: n.args.map((a): IRArg => {
        if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
          if ('t' in a) return { t: slotOf(a.t) };
          return { tl: a.tl.map(slotOf) };
        }
        return a;
      }),
    }));
    const slotNames = new Map<string, number>();
    for (const [k, id] of names) slotNames.set(k, slotOf(id));
    const bw = backward && {
      of: slotOf(backward.of),
      wrt: backward.wrt.map(slotOf),
      ...(backward.gradOutput !== undefined ? { gradOutput: slotOf(backward.gradOutput) } : {}),
    };
    return {
      inputs: this.inputs,
      nodes,
      sources: this.sources,
      names: slotNames,
      outputs: outputs.map((o) => ({ name: o.name, slot: slotOf(o.slot) })),
      backward: bw,
      wrtNames,
      backwardOrigin,
    };
  }
}

function isTensorVal(v: Val | undefined): boolean {
  return v !== undefined && (v.kind === 'tensor' || (v.kind === 'str' && v.ref?.kind === 'tensor'));
}

/** PyTorch overloads some names by argument kind: max(a, b) is maximum(a, b). */
function resolveOverload(name: string, args: Val[], kwargs: Map<string, Val>): string {
  if ((name === 'max' || name === 'min') && (isTensorVal(args[1]) || kwargs.has('other'))) return name === 'max' ? 'maximum' : 'minimum';
  return name;
}

/**
 * full() and arange() take their dtype from their Python-number arguments
 * when none is given: an int fill is int64, a bool fill is bool, integer
 * bounds give int64 (PyTorch >= 1.7). The program text knows 2 from 2.0.
 */
function inferCreationDtype(schema: OpSchema, bound: IRArg[], vals: Array<Val | undefined>): void {
  const at = schema.args.findIndex((a) => a.name === 'dtype');
  if (at < 0 || bound[at] !== null) return;
  const numbers = (names: string[]) => names.map((n) => vals[schema.args.findIndex((a) => a.name === n)]);
  if (schema.name === 'full') {
    const [fill] = numbers(['fill_value']);
    if (fill?.kind === 'bool') bound[at] = 'bool';
    else if (fill?.kind === 'num' && fill.isInt) bound[at] = 'int64';
  } else if (schema.name === 'arange') {
    const given = numbers(['start', 'end', 'step']).filter((v): v is Val => v !== undefined && v.kind !== 'none');
    bound[at] = given.every((v) => v.kind === 'num' && v.isInt) ? 'int64' : 'float32';
  }
}

const NON_FINITE: Record<string, number> = {
  inf: Infinity,
  '-inf': -Infinity,
  Infinity: Infinity,
  '-Infinity': -Infinity,
  nan: NaN,
  NaN: NaN,
};

function defaultArg(p: ArgSpec): IRArg {
  const d = p.default;
  if (d === null || d === undefined) return null;
  if (typeof d === 'number' || typeof d === 'boolean' || typeof d === 'string') return d;
  if (Array.isArray(d)) return d as number[];
  return null;
}

function describe(p: ArgSpec): string {
  switch (p.type) {
    case 'Tensor':
      return 'a tensor';
    case 'Tensor[]':
      return 'a list of tensors';
    case 'int':
      return 'an integer';
    case 'int[]':
      return 'a list of integers';
    case 'bool':
      return 'true or false';
    case 'str':
      return 'a string';
    case 'ScalarType':
      return 'a dtype';
    default:
      return 'a number';
  }
}

function show(v: Val): string {
  switch (v.kind) {
    case 'tensor':
      return 'a tensor';
    case 'tensorList':
      return 'a list of tensors';
    case 'num':
      return String(v.value);
    case 'str':
      return JSON.stringify(v.value);
    case 'bool':
      return String(v.value);
    case 'none':
      return 'None';
    case 'list':
      return 'a list';
    case 'dtype':
      return v.value;
  }
}

function constantInput(c: { dtype: DType; shape: number[]; values: number[]; wrapped: boolean }): IRInput {
  let data;
  switch (c.dtype) {
    case 'float32':
      data = Float32Array.from(c.values);
      break;
    case 'float64':
      data = Float64Array.from(c.values);
      break;
    case 'int64':
      data = BigInt64Array.from(c.values, (x) => BigInt(x));
      break;
    case 'bool':
      data = Uint8Array.from(c.values, (x) => (x ? 1 : 0));
      break;
  }
  return { dtype: c.dtype, shape: c.shape, data, requiresGrad: false, wrapped: c.wrapped, constant: true };
}

/** A list literal as a constant tensor, like torch.tensor([...]). */
function literalTensor(v: Val, where: Where, maxElements: number): { dtype: DType; shape: number[]; values: number[]; wrapped: boolean } {
  const shape: number[] = [];
  let probe: Val = v;
  while (probe.kind === 'list') {
    shape.push(probe.items.length);
    if (probe.items.length === 0) break;
    probe = probe.items[0]!;
  }
  const values: number[] = [];
  let allInt = true;
  let allBool = true;
  const walk = (x: Val, depth: number): void => {
    if (depth === shape.length) {
      if (x.kind === 'num') {
        allBool = false;
        if (!x.isInt) allInt = false;
        values.push(x.value);
      } else if (x.kind === 'bool') {
        values.push(x.value ? 1 : 0);
      } else {
        throw fail('invalidArgument', where, `a tensor literal may hold only numbers and booleans, not ${show(x)}`);
      }
      if (values.length > maxElements) throw fail('tooLarge', where, `a tensor literal has more than MAX_TENSOR_ELEMENTS (${maxElements}) elements`);
      return;
    }
    if (x.kind !== 'list' || x.items.length !== shape[depth])
      throw fail('invalidValue', where, `expected sequence of length ${shape[depth]} at dim ${depth} (got ${x.kind === 'list' ? x.items.length : 'a scalar'})`);
    for (const item of x.items) walk(item, depth + 1);
  };
  walk(v, 0);
  const dtype: DType = values.length > 0 && allBool ? 'bool' : allInt ? 'int64' : 'float32';
  return { dtype, shape, values, wrapped: false };
}
