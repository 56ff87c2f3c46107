// A /v1/graph request body → a checked IRGraph: inputs decoded, the program
// or node list compiled, outputs and the backward request resolved by name.
// Shapes, dtypes and costs are checked next by the engine's dry run.
import type { Config } from '../config.js';
import { decodeTensor, type HostTensor } from '../encoding/index.js';
import { ProblemError } from '../errors.js';
import { parseProgram } from '../program/parser.js';
import { ProgramSyntaxError, ProgramTooLargeError } from '../program/syntax-error.js';
import { GraphBuilder, fail, type Val } from './builder.js';
import { compileNodes, type NodeSpec } from './compile-nodes.js';
import { ProgramCompiler } from './compile-program.js';
import type { IRGraph } from './ir.js';

export interface GraphBody {
  inputs?: Record<string, unknown>;
  program?: string;
  nodes?: NodeSpec[];
  outputs?: string[];
  backward?: { of?: string; wrt?: string[]; grad_output?: unknown };
  dry_run?: boolean;
}

/** JSON-pointer escaping of one path segment. */
export function pointer(segment: string): string {
  if (!segment.includes('~') && !segment.includes('/')) return segment;
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A request input, decoded: its name, JSON pointer and tensor. */
export interface DecodedInput {
  name: string;
  path: string;
  tensor: HostTensor;
}

/** Decodes the request's inputs (in body order), checking requires_grad dtypes. */
export function decodeInputs(body: GraphBody, cfg: Config, binary?: Uint8Array): DecodedInput[] {
  const dryRun = body.dry_run === true;
  const out: DecodedInput[] = [];
  for (const [name, value] of Object.entries(body.inputs ?? {})) {
    const path = `/inputs/${pointer(name)}`;
    const t = decodeTensor(value, path, { maxElements: cfg.maxTensorElements, allowMeta: dryRun, ...(binary ? { binary } : {}) });
    if (t.requiresGrad && t.dtype !== 'float32' && t.dtype !== 'float64')
      throw fail('dtypeMismatch', { path }, 'only Tensors of floating point dtype can require gradients');
    out.push({ name, path, tensor: t });
  }
  return out;
}

/** Decodes backward.grad_output, if given. */
export function decodeGradOutput(body: GraphBody, cfg: Config, binary?: Uint8Array): HostTensor | undefined {
  const go = body.backward?.grad_output;
  if (go === undefined || go === null) return undefined;
  return decodeTensor(go, '/backward/grad_output', { maxElements: cfg.maxTensorElements, allowMeta: body.dry_run === true, ...(binary ? { binary } : {}) });
}

export function compileGraph(body: GraphBody, cfg: Config, binary?: Uint8Array): IRGraph {
  return compileDecoded(body, decodeInputs(body, cfg, binary), cfg, binary);
}

/** Compiles a body whose inputs are decoded (grad_output too, when `gradOutput` is given). */
export function compileDecoded(body: GraphBody, decoded: DecodedInput[], cfg: Config, binary?: Uint8Array, gradOutput?: HostTensor): IRGraph {
  const b = new GraphBuilder({ maxGraphNodes: cfg.maxGraphNodes, maxTensorElements: cfg.maxTensorElements });
  const env = new Map<string, Val>();
  const requiresGrad: string[] = [];
  for (const { name, tensor: t } of decoded) {
    const id = b.addInput({ dtype: t.dtype, shape: t.shape, data: t.data, requiresGrad: t.requiresGrad, wrapped: false });
    env.set(name, { kind: 'tensor', slot: id });
    if (t.requiresGrad) requiresGrad.push(name);
  }

  let assigned: string[];
  if (body.program !== undefined && body.nodes !== undefined)
    throw new ProblemError('invalidRequest', "give the graph either as 'program' or as 'nodes', not both");
  if (body.program !== undefined) {
    let statements;
    try {
      statements = parseProgram(body.program, {
        maxLength: cfg.maxProgramLength,
        maxDepth: cfg.maxNestingDepth,
        maxStatements: cfg.maxGraphNodes,
      });
    } catch (e) {
      if (e instanceof ProgramSyntaxError)
        throw fail(e instanceof ProgramTooLargeError ? 'tooLarge' : 'syntaxError', { path: '/program', line: e.pos.line, column: e.pos.col }, e.message);
      throw e;
    }
    assigned = new ProgramCompiler(b, env).compile(statements);
  } else if (body.nodes !== undefined) {
    assigned = compileNodes(body.nodes, b, env);
  } else {
    throw new ProblemError('invalidRequest', "the body needs a 'program' (text) or 'nodes' (a list of ops)");
  }

  const names = new Map<string, number>();
  const idOf = (name: string, path: string): number => {
    const v = env.get(name);
    if (!v) throw fail('unknownName', { path }, `no value named '${name}' (inputs: ${[...Object.keys(body.inputs ?? {})].join(', ') || 'none'}; assigned: ${assigned.join(', ') || 'none'})`);
    if (v.kind === 'tensor' || v.kind === 'tensorList') return v.slot;
    return b.tensorSlot(v, { path });
  };
  for (const n of [...Object.keys(body.inputs ?? {}), ...assigned]) {
    const v = env.get(n);
    if (v && (v.kind === 'tensor' || v.kind === 'tensorList')) names.set(n, v.slot);
  }

  const last = assigned[assigned.length - 1];
  const outputNames = body.outputs ?? (last !== undefined ? [last] : []);
  const outputs = outputNames.map((n, i) => ({ name: n, slot: idOf(n, `/outputs/${i}`) }));
  for (const o of outputs) names.set(o.name, o.slot);

  let backward: IRGraph['backward'];
  let wrtNames: string[] = [];
  const bw = body.backward;
  if (bw || requiresGrad.length > 0) {
    const ofName = bw?.of ?? outputNames[outputNames.length - 1];
    if (ofName === undefined) throw fail('invalidArgument', { path: '/backward/of' }, 'nothing to differentiate: the graph has no outputs');
    wrtNames = bw?.wrt ?? requiresGrad;
    if (wrtNames.length === 0 && bw)
      throw fail('invalidArgument', { path: '/backward/wrt' }, "nothing to differentiate with respect to: give 'wrt' or mark an input with requires_grad");
    if (wrtNames.length > 0) {
      const of = idOf(ofName, '/backward/of');
      if (b.isList(of)) throw fail('invalidArgument', { path: '/backward/of' }, `'${ofName}' is a list of tensors; backward needs one tensor`);
      const wrt = wrtNames.map((n, i) => {
        const id = idOf(n, `/backward/wrt/${i}`);
        if (b.isList(id)) throw fail('invalidArgument', { path: `/backward/wrt/${i}` }, `'${n}' is a list of tensors`);
        return id;
      });
      let gradOutputId: number | undefined;
      const t = gradOutput ?? decodeGradOutput(body, cfg, binary);
      if (t) gradOutputId = b.addInput({ dtype: t.dtype, shape: t.shape, data: t.data, requiresGrad: false, wrapped: false });
      backward = { of, wrt, ...(gradOutputId !== undefined ? { gradOutput: gradOutputId } : {}) };
    }
  }
  const origin = backward ? { implicit: bw === undefined, ofName: bw?.of ?? outputNames[outputNames.length - 1]! } : undefined;
  return b.finish(names, outputs, backward, wrtNames, origin);
}
