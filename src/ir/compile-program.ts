// Program text → IR: walks the syntax tree and asks the builder for one op
// per call, operator, method, attribute or index.
import type { Expr, IndexItem, Pos, Statement } from '../program/ast.js';
import { GraphBuilder, NONE_SENTINEL, dtypeFromName, fail, lookup, type Val, type Where } from './builder.js';

const BINARY_OPS: Record<string, string> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '@': 'matmul',
  '**': 'pow',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
  '==': 'eq',
  '!=': 'ne',
};

// Tensor methods whose op has another name (x.float() is a cast).
const METHOD_CASTS: Record<string, string> = { float: 'float32', double: 'float64', long: 'int64', bool: 'bool' };

const MATH_CONSTANTS: Record<string, number> = { inf: Infinity, nan: NaN, pi: Math.PI, e: Math.E };

const at = (pos: Pos): Where => ({ path: '/program', line: pos.line, column: pos.col });

export class ProgramCompiler {
  constructor(
    private readonly b: GraphBuilder,
    private readonly env: Map<string, Val>,
  ) {}

  /** Compiles the statements; returns the names assigned, in order. */
  compile(statements: Statement[]): string[] {
    const assigned: string[] = [];
    for (const s of statements) {
      this.env.set(s.target, this.expr(s.value));
      assigned.push(s.target);
    }
    return assigned;
  }

  private call(op: string, args: Expr[], kwargs: Array<{ name: string; value: Expr; pos: Pos }>, pos: Pos, self?: Val): Val {
    const vals = args.map((a) => this.expr(a));
    const kw = new Map<string, Val>();
    for (const k of kwargs) kw.set(k.name, this.expr(k.value));
    const all = self ? [self, ...vals] : vals;
    const offset = self ? 1 : 0;
    return this.b.op(op, all, kw, at(pos), (i) => {
      if (typeof i === 'string') return at(kwargs.find((k) => k.name === i)?.pos ?? pos);
      const e = args[i - offset];
      return at(e ? e.pos : pos);
    });
  }

  expr(e: Expr): Val {
    switch (e.kind) {
      case 'num':
        return { kind: 'num', value: e.value, isInt: e.isInt };
      case 'str':
        return { kind: 'str', value: e.value };
      case 'bool':
        return { kind: 'bool', value: e.value };
      case 'none':
        return { kind: 'none' };
      case 'list':
        return { kind: 'list', items: e.items.map((x) => this.expr(x)) };
      case 'name': {
        const v = this.env.get(e.name);
        if (v) return v;
        const dt = dtypeFromName(e.name);
        if (dt) return { kind: 'dtype', value: dt };
        // Unbound `inf` and `nan` are the numbers, as numpy users write them.
        if (e.name === 'inf' || e.name === 'nan') return { kind: 'num', value: e.name === 'inf' ? Infinity : NaN, isInt: false };
        throw fail('unknownName', at(e.pos), `name '${e.name}' is not defined`);
      }
      case 'call':
        if (e.callee === 'float' && e.args.length === 1 && e.args[0]!.kind === 'str') {
          const n = Number(e.args[0].value.replace(/^\+?inf(inity)?$/i, 'Infinity').replace(/^-inf(inity)?$/i, '-Infinity'));
          if (!Number.isNaN(n) || /^nan$/i.test(e.args[0].value)) return { kind: 'num', value: n, isInt: false };
        }
        return this.call(e.callee, e.args, e.kwargs, e.pos);
      case 'method': {
        const self = this.expr(e.target);
        const cast = lookup(METHOD_CASTS, e.name);
        if (cast && e.args.length === 0 && e.kwargs.length === 0)
          return this.b.op('to', [self, { kind: 'dtype', value: cast as 'float32' }], new Map(), at(e.pos), () => at(e.pos));
        return this.call(e.name, e.args, e.kwargs, e.pos, self);
      }
      case 'attr': {
        if (e.target.kind === 'name' && (e.target.name === 'torch' || e.target.name === 'math')) {
          const dt = dtypeFromName(e.name);
          if (dt && e.target.name === 'torch') return { kind: 'dtype', value: dt };
          const c = lookup(MATH_CONSTANTS, e.name);
          if (c !== undefined) return { kind: 'num', value: c, isInt: false };
        }
        const self = this.expr(e.target);
        if (e.name === 'T' || e.name === 'mT') return this.b.op(e.name === 'T' ? 't' : 'transpose', e.name === 'T' ? [self] : [self, num(-2), num(-1)], new Map(), at(e.pos), () => at(e.pos));
        throw fail('invalidArgument', at(e.pos), `unknown attribute '.${e.name}'; only .T and .mT are attributes (call methods like .sum())`);
      }
      case 'index':
        return this.index(e.target, e.items, e.pos);
      case 'unary': {
        const v = this.expr(e.operand);
        if (e.op === '+') return v;
        return this.b.op('neg', [v], new Map(), at(e.pos), () => at(e.operand.pos));
      }
      case 'binary': {
        // A left-associative chain (a + b + c + ...) nests to the left as deep
        // as it is long; walk its left spine in a loop, not by recursion, so a
        // long chain cannot exhaust the stack.
        const spine: Array<Extract<Expr, { kind: 'binary' }>> = [];
        let base: Expr = e;
        while (base.kind === 'binary') {
          spine.push(base);
          base = base.left;
        }
        let acc = this.expr(base);
        for (let k = spine.length - 1; k >= 0; k--) {
          const node = spine[k]!;
          const r = this.expr(node.right);
          acc = this.b.op(BINARY_OPS[node.op]!, [acc, r], new Map(), at(node.pos), (i) => at(i === 0 ? node.left.pos : node.right.pos));
        }
        return acc;
      }
    }
  }

  private index(targetExpr: Expr, items: IndexItem[], pos: Pos): Val {
    const target = this.expr(targetExpr);
    if (target.kind === 'tensorList') {
      const only = items[0];
      if (items.length !== 1 || !only || only.kind !== 'expr' || only.value.kind !== 'num' || !only.value.isInt)
        throw fail('invalidArgument', at(pos), 'a list of tensors is indexed with one integer, like parts[0]');
      return this.b.op('list_get', [target, num(only.value.value)], new Map(), at(pos), () => at(pos));
    }
    // x[idx] with an integer tensor selects rows, like index_select(x, 0, idx).
    const first = items[0];
    if (items.length === 1 && first?.kind === 'expr' && first.value.kind !== 'num') {
      const idx = this.expr(first.value);
      return this.b.op('index_select', [target, num(0), idx], new Map(), at(pos), () => at(pos));
    }
    const spec: number[] = [];
    const lit = (x: Expr | null, what: string): number => {
      if (x === null) return NONE_SENTINEL;
      if (x.kind === 'num' && x.isInt) return x.value;
      if (x.kind === 'none') return NONE_SENTINEL;
      throw fail('invalidArgument', at(x.pos), `${what} must be an integer literal`);
    };
    for (const it of items) {
      switch (it.kind) {
        case 'expr':
          spec.push(0, lit(it.value, 'an index'), 0, 0);
          break;
        case 'slice': {
          const step = it.step === null ? 1 : lit(it.step, 'a slice step');
          spec.push(1, lit(it.start, 'a slice start'), lit(it.stop, 'a slice stop'), step === NONE_SENTINEL ? 1 : step);
          break;
        }
        case 'ellipsis':
          spec.push(2, 0, 0, 0);
          break;
        case 'newaxis':
          spec.push(3, 0, 0, 0);
          break;
      }
    }
    return this.b.op('getitem', [target, { kind: 'list', items: spec.map(num) }], new Map(), at(pos), () => at(pos));
  }
}

function num(n: number): Val {
  return { kind: 'num', value: n, isInt: Number.isInteger(n) };
}
