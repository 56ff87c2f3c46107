// Recursive-descent parser for the program language (API.md): one
// `name = expression` statement per line or `;`, Python's operator
// precedence, calls with keyword arguments, methods, indexing and slicing.
// Programs are parsed, never evaluated as code. Nesting depth is bounded so a
// hostile program cannot exhaust the stack.
import type { BinaryOp, Expr, IndexItem, Kwarg, Pos, Statement } from './ast.js';
import { tokenize, type Token } from './lexer.js';
import { ProgramSyntaxError, ProgramTooLargeError } from './syntax-error.js';

export interface ParseLimits {
  maxLength: number;
  maxDepth: number;
  maxStatements: number;
}

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=']);
// Module prefixes a PyTorch user writes out of habit: torch.sum(x), F.relu(x).
const MODULES = new Set(['torch', 'F', 'nn', 'functional']);

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly limits: ParseLimits,
  ) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    const t = this.tokens[this.i]!;
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }
  private expectOp(text: string, what: string): Token {
    const t = this.peek();
    if (t.kind !== 'op' || t.text !== text) throw this.error(`expected ${what}`, t);
    return this.next();
  }
  /** Consumes the bracket closing `open`; at the end of the program, points at `open` as Python does. */
  private closeBracket(open: Token, text: string, what: string): Token {
    if (this.peek().kind === 'eof') return this.fail(`'${open.text}' was never closed`, open);
    if (!this.isOp(text)) throw this.error(`expected ${what} opened at line ${open.pos.line}, column ${open.pos.col}`);
    return this.next();
  }
  private fail(message: string, t: Token): never {
    throw new ProgramSyntaxError(message, t.pos);
  }
  private error(message: string, t: Token = this.peek()): ProgramSyntaxError {
    const found = t.kind === 'eof' ? 'end of program' : t.kind === 'newline' ? 'end of line' : `'${t.text}'`;
    return new ProgramSyntaxError(`${message}, found ${found}`, t.pos);
  }
  private enter(t: Token): void {
    if (++this.depth > this.limits.maxDepth)
      throw new ProgramSyntaxError(`expression nested deeper than ${this.limits.maxDepth} levels`, t.pos);
  }
  private leave(): void {
    this.depth--;
  }

  program(): Statement[] {
    const out: Statement[] = [];
    for (;;) {
      while (this.peek().kind === 'newline' || this.isOp(';')) this.next();
      if (this.peek().kind === 'eof') return out;
      out.push(this.statement());
      if (out.length > this.limits.maxStatements)
        throw new ProgramTooLargeError(`more than ${this.limits.maxStatements} statements (MAX_GRAPH_NODES)`, out[out.length - 1]!.pos);
      const t = this.peek();
      if (t.kind !== 'newline' && t.kind !== 'eof' && !this.isOp(';')) throw this.error('expected end of statement');
    }
  }

  private statement(): Statement {
    const t = this.peek();
    if (t.kind !== 'name') throw this.error("expected a statement 'name = expression'");
    const after = this.tokens[this.i + 1];
    if (!after || after.kind !== 'op' || after.text !== '=')
      throw new ProgramSyntaxError(
        `expected '=' after '${t.text}': every statement assigns a name (name = expression)`,
        after?.pos ?? t.pos,
      );
    this.next();
    this.next();
    const value = this.expr();
    return { target: t.text, value, pos: t.pos };
  }

  expr(): Expr {
    const start = this.peek();
    this.enter(start);
    try {
      const left = this.additive();
      if (this.peek().kind === 'op' && COMPARISONS.has(this.peek().text)) {
        const op = this.next();
        const right = this.additive();
        if (this.peek().kind === 'op' && COMPARISONS.has(this.peek().text))
          throw this.error('chained comparisons are not supported; combine them with logical_and');
        return { kind: 'binary', op: op.text as BinaryOp, left, right, pos: op.pos };
      }
      return left;
    } finally {
      this.leave();
    }
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next();
      const right = this.multiplicative();
      left = { kind: 'binary', op: op.text as BinaryOp, left, right, pos: op.pos };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('@')) {
      const op = this.next();
      const right = this.unary();
      left = { kind: 'binary', op: op.text as BinaryOp, left, right, pos: op.pos };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isOp('-') || this.isOp('+')) {
      const op = this.next();
      this.enter(op);
      try {
        const operand = this.unary();
        // Fold signs into number literals so `-1` is a literal, as in Python's constant folding.
        if (operand.kind === 'num') return op.text === '-' ? { ...operand, value: -operand.value, pos: op.pos } : operand;
        return { kind: 'unary', op: op.text as '-' | '+', operand, pos: op.pos };
      } finally {
        this.leave();
      }
    }
    return this.power();
  }

  private power(): Expr {
    const base = this.postfix();
    if (this.isOp('**')) {
      const op = this.next();
      this.enter(op);
      try {
        const exponent = this.unary();
        return { kind: 'binary', op: '**', left: base, right: exponent, pos: op.pos };
      } finally {
        this.leave();
      }
    }
    return base;
  }

  private postfix(): Expr {
    let e = this.atom();
    // Each call, index or attribute wraps the tree one level deeper, so a
    // chain counts against the nesting limit (x.T.T.T... is as deep as it is long).
    for (let steps = 0; ; steps++) {
      if (this.depth + steps > this.limits.maxDepth && (this.isOp('(') || this.isOp('[') || this.isOp('.')))
        throw new ProgramSyntaxError(`expression nested deeper than ${this.limits.maxDepth} levels`, this.peek().pos);
      if (this.isOp('(')) {
        const open = this.next();
        if (e.kind !== 'name') throw new ProgramSyntaxError('only named functions can be called', open.pos);
        const { args, kwargs } = this.callArgs(open);
        e = { kind: 'call', callee: e.name, args, kwargs, pos: e.pos };
      } else if (this.isOp('[')) {
        const open = this.next();
        const items = this.subscript();
        this.closeBracket(open, ']', "']' to close the index");
        e = { kind: 'index', target: e, items, pos: open.pos };
      } else if (this.isOp('.')) {
        this.next();
        const nameTok = this.peek();
        if (nameTok.kind !== 'name') throw this.error("expected a name after '.'");
        this.next();
        if (this.isOp('(')) {
          const open = this.next();
          const { args, kwargs } = this.callArgs(open);
          if (isModule(e)) e = { kind: 'call', callee: nameTok.text, args, kwargs, pos: nameTok.pos };
          else e = { kind: 'method', target: e, name: nameTok.text, args, kwargs, pos: nameTok.pos };
        } else {
          e = { kind: 'attr', target: e, name: nameTok.text, pos: nameTok.pos };
        }
      } else {
        return e;
      }
    }
  }

  private callArgs(open: Token): { args: Expr[]; kwargs: Kwarg[] } {
    const args: Expr[] = [];
    const kwargs: Kwarg[] = [];
    while (!this.isOp(')')) {
      const t = this.peek();
      const after = this.tokens[this.i + 1];
      if (t.kind === 'name' && after?.kind === 'op' && after.text === '=') {
        this.next();
        this.next();
        if (kwargs.some((k) => k.name === t.text)) throw new ProgramSyntaxError(`keyword argument repeated: ${t.text}`, t.pos);
        kwargs.push({ name: t.text, value: this.expr(), pos: t.pos });
      } else {
        if (kwargs.length > 0) throw new ProgramSyntaxError('positional argument follows keyword argument', t.pos);
        args.push(this.expr());
      }
      if (!this.isOp(',')) break;
      this.next();
    }
    this.closeBracket(open, ')', "')' to close the call");
    return { args, kwargs };
  }

  private subscript(): IndexItem[] {
    const items: IndexItem[] = [];
    for (;;) {
      items.push(this.indexItem());
      if (!this.isOp(',')) break;
      this.next();
      if (this.isOp(']')) break;
    }
    return items;
  }

  private indexItem(): IndexItem {
    if (this.isOp('...')) {
      this.next();
      return { kind: 'ellipsis' };
    }
    const t = this.peek();
    if (t.kind === 'name' && (t.text === 'None' || t.text === 'null')) {
      const after = this.tokens[this.i + 1];
      if (after?.kind === 'op' && (after.text === ',' || after.text === ']')) {
        this.next();
        return { kind: 'newaxis' };
      }
    }
    const start = this.isOp(':') ? null : this.expr();
    if (!this.isOp(':')) {
      if (!start) throw this.error('expected an index');
      return { kind: 'expr', value: start };
    }
    this.next();
    const stop = this.isOp(':') || this.isOp(']') || this.isOp(',') ? null : this.expr();
    let step: Expr | null = null;
    if (this.isOp(':')) {
      this.next();
      step = this.isOp(']') || this.isOp(',') ? null : this.expr();
    }
    return { kind: 'slice', start, stop, step };
  }

  private atom(): Expr {
    const t = this.next();
    const pos: Pos = t.pos;
    switch (t.kind) {
      case 'num':
        return { kind: 'num', value: t.value!, isInt: t.isInt!, pos };
      case 'str':
        return { kind: 'str', value: t.text, pos };
      case 'name':
        if (t.text === 'True' || t.text === 'true') return { kind: 'bool', value: true, pos };
        if (t.text === 'False' || t.text === 'false') return { kind: 'bool', value: false, pos };
        if (t.text === 'None' || t.text === 'null') return { kind: 'none', pos };
        return { kind: 'name', name: t.text, pos };
      case 'op':
        if (t.text === '(') {
          const e = this.expr();
          this.closeBracket(t, ')', "')' to close the parenthesis");
          return e;
        }
        if (t.text === '[') {
          this.enter(t);
          try {
            const items: Expr[] = [];
            while (!this.isOp(']')) {
              items.push(this.expr());
              if (!this.isOp(',')) break;
              this.next();
            }
            this.closeBracket(t, ']', "']' to close the list");
            return { kind: 'list', items, pos };
          } finally {
            this.leave();
          }
        }
        break;
      default:
        break;
    }
    throw this.error('expected an expression', t);
  }
}

function isModule(e: Expr): boolean {
  // A loop, not recursion: the chain torch.nn.functional... may be long in a hostile program.
  let cur = e;
  while (cur.kind === 'attr') {
    if (!MODULES.has(cur.name)) return false;
    cur = cur.target;
  }
  return cur.kind === 'name' && MODULES.has(cur.name);
}

export function parseProgram(src: string, limits: ParseLimits): Statement[] {
  if (src.length > limits.maxLength)
    throw new ProgramTooLargeError(`program longer than ${limits.maxLength} characters (MAX_PROGRAM_LENGTH)`, { line: 1, col: 1 });
  return new Parser(tokenize(src), limits).program();
}
