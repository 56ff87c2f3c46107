// Node list → IR. Nodes may reference each other in any order; they are
// sorted topologically first, and a cycle is reported with its path.
import { findOp } from '../registry/catalogue.js';
import { GraphBuilder, fail, type Val, type Where } from './builder.js';

export interface NodeSpec {
  id: string;
  op: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
}

export function compileNodes(nodes: NodeSpec[], b: GraphBuilder, env: Map<string, Val>): string[] {
  const index = new Map<string, number>();
  nodes.forEach((n, i) => {
    const where = { path: `/nodes/${i}/id` };
    if (env.has(n.id)) throw fail('invalidArgument', where, `node id '${n.id}' is already the name of an input`);
    if (index.has(n.id)) throw fail('invalidArgument', where, `node id '${n.id}' is used twice (nodes ${index.get(n.id)} and ${i})`);
    index.set(n.id, i);
  });

  // Depth-first topological order; iterative so a long chain cannot overflow the stack.
  const state = new Uint8Array(nodes.length); // 0 new, 1 on the stack, 2 done
  const order: number[] = [];
  for (let root = 0; root < nodes.length; root++) {
    if (state[root] !== 0) continue;
    const stack: Array<{ i: number; deps: number[]; k: number }> = [{ i: root, deps: depsOf(nodes[root]!, index), k: 0 }];
    state[root] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.k < top.deps.length) {
        const d = top.deps[top.k++]!;
        if (state[d] === 1) {
          const cycle = [...stack.slice(stack.findIndex((f) => f.i === d)).map((f) => nodes[f.i]!.id), nodes[d]!.id];
          throw fail('cycle', { path: `/nodes/${d}` }, `the nodes form a cycle: ${cycle.join(' -> ')}`);
        }
        if (state[d] === 0) {
          state[d] = 1;
          stack.push({ i: d, deps: depsOf(nodes[d]!, index), k: 0 });
        }
        continue;
      }
      state[top.i] = 2;
      order.push(top.i);
      stack.pop();
    }
  }

  for (const i of order) {
    const n = nodes[i]!;
    const where: Where = { path: `/nodes/${i}` };
    const args = (n.args ?? []).map((a, k) => toVal(a, env, { path: `/nodes/${i}/args/${k}` }));
    const kwargs = new Map<string, Val>();
    for (const [k, v] of Object.entries(n.kwargs ?? {})) kwargs.set(k, toVal(v, env, { path: `/nodes/${i}/kwargs/${k}` }));
    const v = b.op(n.op, args, kwargs, where, (k) => ({ path: typeof k === 'number' ? `/nodes/${i}/args/${k}` : `/nodes/${i}/kwargs/${k}` }));
    env.set(n.id, v);
  }
  return nodes.map((n) => n.id);
}

// A node depends on the node ids named where its op takes tensors; a string
// elsewhere (reduction="none") is a literal, even if a node has that id.
// Arrays in args nest at most this deep (a tensor literal has at most 32 dims);
// deeper is refused before anything recurses over it.
const MAX_ARG_DEPTH = 32;

function depsOf(n: NodeSpec, index: Map<string, number>): number[] {
  const schema = findOp(n.op);
  const takesTensor = (i: number | string): boolean => {
    if (!schema) return true;
    const spec = typeof i === 'number' ? schema.args.filter((a) => !a.kwOnly)[i] : schema.args.find((a) => a.name === i);
    // Unknown positions still count, so a typo cannot hide a real dependency.
    return !spec || spec.type === 'Tensor' || spec.type === 'Tensor[]';
  };
  const out: number[] = [];
  // Iterative: a hostile node may nest arrays far deeper than the stack.
  const stack: unknown[] = [];
  (n.args ?? []).forEach((a, i) => {
    if (takesTensor(i)) stack.push(a);
  });
  for (const [k, v] of Object.entries(n.kwargs ?? {})) if (takesTensor(k)) stack.push(v);
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      const d = index.get(v);
      if (d !== undefined) out.push(d);
    } else if (Array.isArray(v)) for (const x of v) stack.push(x);
  }
  return out.reverse();
}

function toVal(v: unknown, env: Map<string, Val>, where: Where, depth = 0): Val {
  if (depth > MAX_ARG_DEPTH) throw fail('invalidValue', where, `an argument nests arrays deeper than ${MAX_ARG_DEPTH} levels`);
  if (v === null || v === undefined) return { kind: 'none' };
  if (typeof v === 'number') return { kind: 'num', value: v, isInt: Number.isInteger(v) };
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  if (typeof v === 'string') return { kind: 'str', value: v, ref: env.get(v) ?? null, where };
  if (Array.isArray(v)) return { kind: 'list', items: v.map((x, k) => toVal(x, env, { path: `${where.path}/${k}` }, depth + 1)) };
  throw fail('invalidArgument', where, 'an argument must be a tensor name, a number, a boolean, a string, null or an array');
}
