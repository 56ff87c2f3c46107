// Unit tests of the program language's lexer and parser (API.md "The program
// language"): Python's precedence and associativity, postfix forms, literals,
// statement separators, syntax errors at the right line and column, limits
// that turn hostile nesting into a syntax error (never a stack overflow), and
// fast-check properties: printed trees parse back; garbage never throws
// anything but ProgramSyntaxError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Expr, IndexItem, Statement } from '../../src/program/ast.js';
import { tokenize } from '../../src/program/lexer.js';
import { parseProgram, type ParseLimits } from '../../src/program/parser.js';
import { ProgramSyntaxError, ProgramTooLargeError } from '../../src/program/syntax-error.js';

const LIMITS: ParseLimits = { maxLength: 1_000_000, maxDepth: 64, maxStatements: 10_000 };

/** The tree without source positions, for structural comparison. */
function strip(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(strip);
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (k !== 'pos') out[k] = strip(v);
    return out;
  }
  return x;
}

function parse(src: string, limits: Partial<ParseLimits> = {}): Statement[] {
  return parseProgram(src, { ...LIMITS, ...limits });
}

/** The expression of `y = <src>`, without positions. */
function ex(src: string): unknown {
  const s = parse(`y = ${src}`);
  expect(s).toHaveLength(1);
  return strip(s[0]!.value);
}

/** The syntax error a program raises (fails the test when it parses). */
function syntaxError(src: string, limits: Partial<ParseLimits> = {}): ProgramSyntaxError {
  try {
    parse(src, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(ProgramSyntaxError);
    return e as ProgramSyntaxError;
  }
  throw new Error(`expected a syntax error for ${JSON.stringify(src.slice(0, 80))}`);
}

// Tiny constructors for expected trees (positions stripped).
const n = (name: string) => ({ kind: 'name', name });
const int = (value: number) => ({ kind: 'num', value, isInt: true });
const flt = (value: number) => ({ kind: 'num', value, isInt: false });
const bin = (op: string, left: unknown, right: unknown) => ({ kind: 'binary', op, left, right });
const neg = (operand: unknown) => ({ kind: 'unary', op: '-', operand });

describe('precedence and associativity, as in Python', () => {
  it('-x**2 is -(x**2): ** binds tighter than unary minus on its left', () => {
    expect(ex('-x**2')).toEqual(neg(bin('**', n('x'), int(2))));
  });

  it('-2**2 is -(2**2), not (-2)**2 (the literal is not folded through **)', () => {
    expect(ex('-2**2')).toEqual(neg(bin('**', int(2), int(2))));
  });

  it('2**-1: unary minus is allowed as the exponent, folded into the literal', () => {
    expect(ex('2**-1')).toEqual(bin('**', int(2), int(-1)));
    expect(ex('x**-y')).toEqual(bin('**', n('x'), neg(n('y'))));
  });

  it('a - b - c is (a - b) - c; a / b / c is (a / b) / c', () => {
    expect(ex('a - b - c')).toEqual(bin('-', bin('-', n('a'), n('b')), n('c')));
    expect(ex('a / b / c')).toEqual(bin('/', bin('/', n('a'), n('b')), n('c')));
  });

  it('a ** b ** c is a ** (b ** c)', () => {
    expect(ex('a ** b ** c')).toEqual(bin('**', n('a'), bin('**', n('b'), n('c'))));
  });

  it('@ sits at the multiplication level, left-associative with * and /', () => {
    expect(ex('a @ b * c')).toEqual(bin('*', bin('@', n('a'), n('b')), n('c')));
    expect(ex('a * b @ c')).toEqual(bin('@', bin('*', n('a'), n('b')), n('c')));
    expect(ex('a + b @ c')).toEqual(bin('+', n('a'), bin('@', n('b'), n('c'))));
    expect(ex('a @ b ** 2')).toEqual(bin('@', n('a'), bin('**', n('b'), int(2))));
  });

  it('comparisons bind loosest: a + b < c * d is (a + b) < (c * d)', () => {
    expect(ex('a + b < c * d')).toEqual(bin('<', bin('+', n('a'), n('b')), bin('*', n('c'), n('d'))));
    for (const op of ['<', '<=', '>', '>=', '==', '!=']) expect(ex(`a ${op} -b`)).toEqual(bin(op, n('a'), neg(n('b'))));
  });

  it('parentheses override precedence; unary minus binds tighter than * on its right', () => {
    expect(ex('(a + b) * c')).toEqual(bin('*', bin('+', n('a'), n('b')), n('c')));
    expect(ex('-a * b')).toEqual(bin('*', neg(n('a')), n('b')));
    expect(ex('a * -b')).toEqual(bin('*', n('a'), neg(n('b'))));
    expect(ex('- - a')).toEqual(neg(neg(n('a'))));
    expect(ex('+a')).toEqual({ kind: 'unary', op: '+', operand: n('a') });
  });

  it('postfix binds tighter than **: x.T ** 2 and x[0] ** 2', () => {
    expect(ex('x.T ** 2')).toEqual(bin('**', { kind: 'attr', target: n('x'), name: 'T' }, int(2)));
    expect(ex('-x[0]')).toEqual(neg({ kind: 'index', target: n('x'), items: [{ kind: 'expr', value: int(0) }] }));
  });
});

describe('calls, methods, attributes and module prefixes', () => {
  it('x.sum(dim=1, keepdim=true) is a method call with keyword arguments', () => {
    expect(ex('x.sum(dim=1, keepdim=true)')).toEqual({
      kind: 'method',
      target: n('x'),
      name: 'sum',
      args: [],
      kwargs: [
        { name: 'dim', value: int(1) },
        { name: 'keepdim', value: { kind: 'bool', value: true } },
      ],
    });
  });

  it('x.T is an attribute; chains of methods read left to right', () => {
    expect(ex('x.T')).toEqual({ kind: 'attr', target: n('x'), name: 'T' });
    expect(ex('x.exp().sum()')).toEqual({
      kind: 'method',
      target: { kind: 'method', target: n('x'), name: 'exp', args: [], kwargs: [] },
      name: 'sum',
      args: [],
      kwargs: [],
    });
  });

  it('torch.sum(x), F.relu(x) and torch.nn.functional.relu(x) are plain calls', () => {
    const sum = { kind: 'call', callee: 'sum', args: [n('x')], kwargs: [] };
    const relu = { kind: 'call', callee: 'relu', args: [n('x')], kwargs: [] };
    expect(ex('torch.sum(x)')).toEqual(sum);
    expect(ex('sum(x)')).toEqual(sum);
    expect(ex('F.relu(x)')).toEqual(relu);
    expect(ex('torch.nn.functional.relu(x)')).toEqual(relu);
    expect(ex('nn.functional.relu(x)')).toEqual(relu);
  });

  it('a method on a non-module name stays a method (w.relu() is not relu(w) at parse time)', () => {
    expect(ex('w.relu()')).toMatchObject({ kind: 'method', target: n('w'), name: 'relu' });
  });

  it('positional then keyword arguments; a trailing comma is allowed', () => {
    expect(ex('cross_entropy(o, t, weight=w, reduction="sum",)')).toEqual({
      kind: 'call',
      callee: 'cross_entropy',
      args: [n('o'), n('t')],
      kwargs: [
        { name: 'weight', value: n('w') },
        { name: 'reduction', value: { kind: 'str', value: 'sum' } },
      ],
    });
  });

  it('refuses a positional argument after a keyword one, and a repeated keyword, like Python', () => {
    expect(syntaxError('y = f(a=1, x)').message).toMatch(/positional argument follows keyword argument/);
    expect(syntaxError('y = f(a=1, a=2)').message).toMatch(/keyword argument repeated: a/);
  });

  it('only names can be called', () => {
    const e = syntaxError('y = x[0](1)');
    expect(e.message).toMatch(/only named functions can be called/);
    expect(e.pos).toEqual({ line: 1, col: 9 });
    expect(ex('(f)(1)')).toMatchObject({ kind: 'call', callee: 'f' }); // as Python allows
  });
});

describe('indexing and slicing', () => {
  const idx = (target: unknown, items: IndexItem[] | unknown[]) => ({ kind: 'index', target, items });
  const sl = (start: unknown, stop: unknown, step: unknown) => ({ kind: 'slice', start, stop, step });

  it('x[0] and x[-1]', () => {
    expect(ex('x[0]')).toEqual(idx(n('x'), [{ kind: 'expr', value: int(0) }]));
    expect(ex('x[-1]')).toEqual(idx(n('x'), [{ kind: 'expr', value: int(-1) }]));
  });

  it('x[:, 1:3]', () => {
    expect(ex('x[:, 1:3]')).toEqual(idx(n('x'), [sl(null, null, null), sl(int(1), int(3), null)]));
  });

  it('x[::2], x[1:], x[:2], x[::-1], x[1:2:3]', () => {
    expect(ex('x[::2]')).toEqual(idx(n('x'), [sl(null, null, int(2))]));
    expect(ex('x[1:]')).toEqual(idx(n('x'), [sl(int(1), null, null)]));
    expect(ex('x[:2]')).toEqual(idx(n('x'), [sl(null, int(2), null)]));
    expect(ex('x[::-1]')).toEqual(idx(n('x'), [sl(null, null, int(-1))]));
    expect(ex('x[1:2:3]')).toEqual(idx(n('x'), [sl(int(1), int(2), int(3))]));
  });

  it('x[..., -1] and x[None] / x[null, :]', () => {
    expect(ex('x[..., -1]')).toEqual(idx(n('x'), [{ kind: 'ellipsis' }, { kind: 'expr', value: int(-1) }]));
    expect(ex('x[None]')).toEqual(idx(n('x'), [{ kind: 'newaxis' }]));
    expect(ex('x[null, :]')).toEqual(idx(n('x'), [{ kind: 'newaxis' }, sl(null, null, null)]));
  });

  it('an index may be any expression; indexing chains: parts[0][1]', () => {
    expect(ex('x[i + 1]')).toEqual(idx(n('x'), [{ kind: 'expr', value: bin('+', n('i'), int(1)) }]));
    expect(ex('parts[0][1]')).toEqual(idx(idx(n('parts'), [{ kind: 'expr', value: int(0) }]), [{ kind: 'expr', value: int(1) }]));
  });

  it('an empty index is a syntax error', () => {
    expect(syntaxError('y = x[]').message).toMatch(/expected an expression, found '\]'/);
  });
});

describe('literals', () => {
  it('list literals, nested and empty', () => {
    expect(ex('[0, 1]')).toEqual({ kind: 'list', items: [int(0), int(1)] });
    expect(ex('[[1, 2], [3, 4]]')).toEqual({
      kind: 'list',
      items: [
        { kind: 'list', items: [int(1), int(2)] },
        { kind: 'list', items: [int(3), int(4)] },
      ],
    });
    expect(ex('[]')).toEqual({ kind: 'list', items: [] });
    expect(ex('[1,]')).toEqual({ kind: 'list', items: [int(1)] });
  });

  it('numbers: ints, floats, exponents, underscores, a leading dot', () => {
    expect(ex('42')).toEqual(int(42));
    expect(ex('1.5')).toEqual(flt(1.5));
    expect(ex('1.')).toEqual(flt(1));
    expect(ex('.5')).toEqual(flt(0.5));
    expect(ex('1e3')).toEqual(flt(1000));
    expect(ex('2.5E-2')).toEqual(flt(0.025));
    expect(ex('1_000')).toEqual(int(1000));
  });

  it('strings with both quotes and escapes', () => {
    expect(ex('"sum"')).toEqual({ kind: 'str', value: 'sum' });
    expect(ex("'sum'")).toEqual({ kind: 'str', value: 'sum' });
    expect(ex(`"it's"`)).toEqual({ kind: 'str', value: "it's" });
    expect(ex(`'say "hi"'`)).toEqual({ kind: 'str', value: 'say "hi"' });
    expect(ex(String.raw`"a\"b\nc\\d"`)).toEqual({ kind: 'str', value: 'a"b\nc\\d' });
    expect(ex('"# not a comment"')).toEqual({ kind: 'str', value: '# not a comment' });
  });

  it('True/False/None and true/false/null', () => {
    expect(ex('True')).toEqual({ kind: 'bool', value: true });
    expect(ex('true')).toEqual({ kind: 'bool', value: true });
    expect(ex('False')).toEqual({ kind: 'bool', value: false });
    expect(ex('false')).toEqual({ kind: 'bool', value: false });
    expect(ex('None')).toEqual({ kind: 'none' });
    expect(ex('null')).toEqual({ kind: 'none' });
    expect(ex('f(x, dim=None)')).toMatchObject({ kwargs: [{ name: 'dim', value: { kind: 'none' } }] });
  });

  it('Unicode identifiers (PEP 3131), as Python accepts them', () => {
    expect(ex('é + x名')).toEqual(bin('+', n('é'), n('x名')));
    expect(parse('θ = 1')[0]!.target).toBe('θ');
  });
});

describe('statements, separators, comments, continuation', () => {
  it('one statement per line, or separated by ;', () => {
    const s = parse('a = 1\nb = a + 1; c = b * 2;\n\n;d = c');
    expect(s.map((x) => x.target)).toEqual(['a', 'b', 'c', 'd']);
    expect(s.map((x) => x.pos.line)).toEqual([1, 2, 2, 4]);
  });

  it('# starts a comment, anywhere on a line', () => {
    const s = parse('# header\na = 1  # trailing\n   # indented\nb = a # last');
    expect(s.map((x) => x.target)).toEqual(['a', 'b']);
  });

  it('CRLF line endings and tabs', () => {
    expect(parse('a = 1\r\n\tb = 2\r\n').map((x) => x.target)).toEqual(['a', 'b']);
  });

  it('a newline inside brackets continues the statement; so does a backslash', () => {
    const s = parse('y = f(a,\n      b,\n      c=[1,\n 2])\nz = (a +\n b)\nw = a + \\\n b');
    expect(s.map((x) => x.target)).toEqual(['y', 'z', 'w']);
    expect(strip(s[0]!.value)).toMatchObject({ kind: 'call', callee: 'f', args: [n('a'), n('b')] });
    expect(strip(s[2]!.value)).toEqual(bin('+', n('a'), n('b')));
    expect(s[1]!.pos.line).toBe(5);
    expect(s[2]!.pos.line).toBe(7);
  });

  it('the empty program and a program of comments have no statements', () => {
    expect(parse('')).toEqual([]);
    expect(parse('\n\n# nothing\n;;')).toEqual([]);
  });

  it('positions of tokens are 1-based line and column', () => {
    const s = parse('a = 1\n  b  =  x + y');
    expect(s[1]!.pos).toEqual({ line: 2, col: 3 });
    expect(s[1]!.value.pos).toEqual({ line: 2, col: 11 }); // the '+'
    const toks = tokenize('x\n  yy');
    expect(toks.map((t) => [t.kind, t.pos.line, t.pos.col])).toEqual([
      ['name', 1, 1],
      ['newline', 1, 2],
      ['name', 2, 3],
      ['eof', 2, 5],
    ]);
  });
});

describe('syntax errors point at the right line and column', () => {
  const at = (src: string, line: number, col: number, message: RegExp) => {
    const e = syntaxError(src);
    expect(e.message).toMatch(message);
    expect(e.pos).toEqual({ line, col });
  };

  it('an unterminated string, at its opening quote', () => {
    at('y = "abc', 1, 5, /unterminated string literal/);
    at("a = 1\ny = f(x, 'abc\n)", 2, 10, /unterminated string literal/);
  });

  it('x =  (nothing after =)', () => {
    at('x = ', 1, 5, /expected an expression, found end of program/);
    at('x = \ny = 1', 1, 5, /expected an expression, found end of line/);
  });

  it('= 3 (no name)', () => {
    at('= 3', 1, 1, /expected a statement 'name = expression', found '='/);
  });

  it('a statement that is not an assignment', () => {
    at('a = 1\nx + 1', 2, 3, /expected '=' after 'x'/);
    at('3 = x', 1, 1, /expected a statement/);
  });

  it('x = 1 +* 2, at the *', () => {
    at('x = 1 +* 2', 1, 8, /expected an expression, found '\*'/);
    at('a = 1\nb = 2\nx = (1 +\n  * 2)', 4, 3, /found '\*'/);
  });

  it('unbalanced brackets', () => {
    at('y = (x + 1', 1, 5, /'\(' was never closed/);
    at('y = f(x, g(1)', 1, 6, /'\(' was never closed/);
    at('y = [1, 2', 1, 5, /'\[' was never closed/);
    at('y = x[0', 1, 6, /'\[' was never closed/);
    at('y = x + 1)', 1, 10, /expected end of statement, found '\)'/);
    at('y = x]', 1, 6, /expected end of statement, found '\]'/);
    at('y = (x]', 1, 7, /expected '\)' to close the parenthesis opened at line 1, column 5, found '\]'/);
    at('y = f(x\nz = 1', 2, 1, /expected '\)' to close the call opened at line 1, column 6, found 'z'/);
  });

  it('chained comparisons are refused with a hint', () => {
    at('y = a < b < c', 1, 11, /chained comparisons are not supported; combine them with logical_and/);
    at('y = a == b != c', 1, 12, /chained comparisons/);
  });

  it('two expressions on one line', () => {
    at('y = a b', 1, 7, /expected end of statement, found 'b'/);
  });

  it('invalid characters and literals', () => {
    at('y = a $ b', 1, 7, /invalid character '\$'/);
    at('y = x & 1', 1, 7, /invalid character '&'/);
    at('y = 1x', 1, 5, /invalid decimal literal '1x'/);
    at('y = 😀', 1, 5, /invalid character '😀'/);
    at("y = x.'s'", 1, 7, /expected a name after '\.'/);
  });
});

describe('limits: hostile size and nesting is a syntax error, never a stack overflow', () => {
  const noOverflow = (src: string, limits: Partial<ParseLimits> = {}) => {
    const e = syntaxError(src, limits);
    expect(e.message).toMatch(/nested deeper than 64 levels/);
    return e;
  };

  it('10,000 nested parentheses', () => {
    noOverflow(`y = ${'('.repeat(10_000)}x${')'.repeat(10_000)}`);
  });

  it('10,000 unary minus signs', () => {
    noOverflow(`y = ${'-'.repeat(10_000)}x`);
    noOverflow(`y = ${'- '.repeat(10_000)}x`);
  });

  it("10,000 nested list brackets, and unclosed ones", () => {
    noOverflow(`y = ${'['.repeat(10_000)}1${']'.repeat(10_000)}`);
    noOverflow(`y = ${'['.repeat(100_000)}`);
  });

  it('10,000 nested calls, indexes and exponents', () => {
    noOverflow(`y = ${'f('.repeat(10_000)}x${')'.repeat(10_000)}`);
    noOverflow(`y = x${'[0'.repeat(10_000)}${']'.repeat(10_000)}`);
    noOverflow(`y = x${' ** x'.repeat(10_000)}`);
  });

  it('100,000-long postfix chains: x.T.T..., x.exp().exp()..., x[0][0]..., F.F.F...relu(x)', () => {
    noOverflow(`y = x${'.T'.repeat(100_000)}`);
    noOverflow(`y = x${'.exp()'.repeat(100_000)}`);
    noOverflow(`y = x${'[0]'.repeat(100_000)}`);
    noOverflow(`y = F${'.F'.repeat(100_000)}.relu(x)`);
  });

  it('nesting up to the limit is fine', () => {
    expect(ex(`${'('.repeat(60)}x${')'.repeat(60)}`)).toEqual(n('x'));
    expect(ex('x' + '.exp()'.repeat(50))).toMatchObject({ kind: 'method', name: 'exp' });
  });

  it('long flat chains are not nesting: 50,000 additions parse (left-associative)', () => {
    const s = parse(`y = x${' + x'.repeat(50_000)}`);
    let e: Expr = s[0]!.value;
    let count = 0;
    while (e.kind === 'binary') {
      count++;
      e = e.left;
    }
    expect(count).toBe(50_000);
  });

  it('a program over maxLength is refused before it is tokenized', () => {
    const e = syntaxError('y = 1\n'.repeat(100), { maxLength: 100 });
    expect(e).toBeInstanceOf(ProgramTooLargeError);
    expect(e.message).toMatch(/longer than 100 characters/);
  });

  it('more statements than maxStatements is a ProgramTooLargeError', () => {
    const e = syntaxError('y = 1\n'.repeat(11), { maxStatements: 10 });
    expect(e).toBeInstanceOf(ProgramTooLargeError);
    expect(e.message).toMatch(/more than 10 statements/);
    expect(parse('y = 1\n'.repeat(10), { maxStatements: 10 })).toHaveLength(10);
  });

  it('a 1 MB program of comments and one of statements parse in well under a second', () => {
    const t0 = performance.now();
    parse('#' + 'a'.repeat(999_000));
    parse('y = x + 1\n'.repeat(9_000));
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

// ---- properties -----------------------------------------------------------

const RESERVED = new Set(['True', 'False', 'None', 'true', 'false', 'null', 'torch', 'F', 'nn', 'functional']);
const nameArb = fc
  .stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,5}$/)
  .filter((s) => !RESERVED.has(s));

// Precedence levels: 1 comparison, 2 additive, 3 multiplicative, 4 unary, 5 power, 6 postfix/atom.
const PREC: Record<string, number> = { '<': 1, '<=': 1, '>': 1, '>=': 1, '==': 1, '!=': 1, '+': 2, '-': 2, '*': 3, '/': 3, '@': 3, '**': 5 };

function precOf(e: Expr): number {
  if (e.kind === 'binary') return PREC[e.op]!;
  if (e.kind === 'unary') return 4;
  if (e.kind === 'num' && (e.value < 0 || Object.is(e.value, -0))) return 4; // printed with a sign
  return 6;
}

function printNum(v: number, isInt: boolean): string {
  const s = String(Math.abs(v));
  const body = isInt || s.includes('.') || s.includes('e') ? s : `${s}.0`;
  return v < 0 || Object.is(v, -0) ? `-${body}` : body;
}

function printStr(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Prints a tree with as few parentheses as Python's grammar needs. */
function print(e: Expr, min = 1): string {
  const wrap = (s: string, p: number) => (p < min ? `(${s})` : s);
  switch (e.kind) {
    case 'num':
      return wrap(printNum(e.value, e.isInt), precOf(e));
    case 'str':
      return printStr(e.value);
    case 'bool':
      return e.value ? 'True' : 'false';
    case 'none':
      return 'None';
    case 'name':
      return e.name;
    case 'list':
      return `[${e.items.map((x) => print(x)).join(', ')}]`;
    case 'call':
      return `${e.callee}(${printArgs(e.args, e.kwargs)})`;
    case 'method':
      return `${postfixTarget(e.target)}.${e.name}(${printArgs(e.args, e.kwargs)})`;
    case 'attr':
      return `${postfixTarget(e.target)}.${e.name}`;
    case 'index':
      return `${print(e.target, 6)}[${e.items.map(printItem).join(', ')}]`;
    case 'unary':
      return wrap(`${e.op}${print(e.operand, 4)}`, 4);
    case 'binary': {
      const p = PREC[e.op]!;
      let l: string;
      let r: string;
      if (e.op === '**') {
        l = print(e.left, 6);
        r = print(e.right, 4);
      } else if (p === 1) {
        l = print(e.left, 2);
        r = print(e.right, 2);
      } else {
        l = print(e.left, p);
        r = print(e.right, p + 1);
      }
      return wrap(`${l} ${e.op} ${r}`, p);
    }
  }
}

/** `3.T` would lex as the number `3.` then `T` (as in Python), so a number before `.` gets parentheses. */
function postfixTarget(e: Expr): string {
  return e.kind === 'num' ? `(${print(e)})` : print(e, 6);
}

function printArgs(args: Expr[], kwargs: Array<{ name: string; value: Expr }>): string {
  return [...args.map((a) => print(a)), ...kwargs.map((k) => `${k.name}=${print(k.value)}`)].join(', ');
}

function printItem(it: IndexItem): string {
  switch (it.kind) {
    case 'expr':
      return print(it.value);
    case 'ellipsis':
      return '...';
    case 'newaxis':
      return 'None';
    case 'slice': {
      const s = `${it.start ? print(it.start) : ''}:${it.stop ? print(it.stop) : ''}`;
      return it.step ? `${s}:${print(it.step)}` : s;
    }
  }
}

const P = { line: 1, col: 1 };
const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr; item: IndexItem }>((tie) => {
  const leaf = fc.oneof(
    nameArb.map((name): Expr => ({ kind: 'name', name, pos: P })),
    fc.integer({ min: -1000, max: 1000 }).map((v): Expr => ({ kind: 'num', value: v, isInt: true, pos: P })),
    fc.integer({ min: -400, max: 400 }).map((v): Expr => ({ kind: 'num', value: v / 4 + 0.125, isInt: false, pos: P })),
    fc.string({ unit: fc.constantFrom('a', 'b', ' ', '"', "'", '\\', '#', 'é', '(', ']'), maxLength: 6 }).map((value): Expr => ({ kind: 'str', value, pos: P })),
    fc.boolean().map((value): Expr => ({ kind: 'bool', value, pos: P })),
    fc.constant<Expr>({ kind: 'none', pos: P }),
  );
  const sub = tie('expr');
  // An index expression is never a bare None (that is the newaxis form).
  const indexable = sub.filter((e) => e.kind !== 'none');
  const kwargs = fc.uniqueArray(fc.record({ name: nameArb, value: sub, pos: fc.constant(P) }), { maxLength: 2, selector: (k) => k.name });
  return {
    expr: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      fc.record({ kind: fc.constant('binary' as const), op: fc.constantFrom(...(Object.keys(PREC) as Array<Extract<Expr, { kind: 'binary' }>['op']>)), left: sub, right: sub, pos: fc.constant(P) }),
      // The parser folds a sign into a number literal (-3 is a literal), so a sign is generated over non-literals only.
      fc.record({ kind: fc.constant('unary' as const), op: fc.constantFrom('-' as const, '+' as const), operand: sub.filter((x) => x.kind !== 'num'), pos: fc.constant(P) }),
      fc.record({ kind: fc.constant('list' as const), items: fc.array(sub, { maxLength: 3 }), pos: fc.constant(P) }),
      fc.record({ kind: fc.constant('call' as const), callee: nameArb, args: fc.array(sub, { maxLength: 3 }), kwargs, pos: fc.constant(P) }),
      fc.record({ kind: fc.constant('method' as const), target: sub, name: nameArb, args: fc.array(sub, { maxLength: 2 }), kwargs, pos: fc.constant(P) }),
      fc.record({ kind: fc.constant('attr' as const), target: sub, name: nameArb, pos: fc.constant(P) }),
      fc.record({ kind: fc.constant('index' as const), target: sub, items: fc.array(tie('item'), { minLength: 1, maxLength: 3 }), pos: fc.constant(P) }),
    ),
    item: fc.oneof(
      indexable.map((value): IndexItem => ({ kind: 'expr', value })),
      fc.record({ kind: fc.constant('slice' as const), start: fc.option(indexable, { nil: null }), stop: fc.option(indexable, { nil: null }), step: fc.option(indexable, { nil: null }) }),
      fc.constant<IndexItem>({ kind: 'ellipsis' }),
      fc.constant<IndexItem>({ kind: 'newaxis' }),
    ),
  };
}).expr;

describe('properties (fast-check)', () => {
  it('a random expression tree printed to text parses back to the same tree', () => {
    fc.assert(
      fc.property(exprArb, (tree) => {
        const src = `y = ${print(tree)}`;
        const parsed = parseProgram(src, { ...LIMITS, maxDepth: 10_000 });
        expect(parsed).toHaveLength(1);
        expect(strip(parsed[0]!.value)).toEqual(strip(tree));
      }),
      { numRuns: 1500 },
    );
  });

  it('several statements, joined by newlines or ;, parse to the same list', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(nameArb, exprArb), { minLength: 1, maxLength: 5 }), fc.constantFrom('\n', ';', ' ; ', '\n# c\n'), (stmts, sep) => {
        const src = stmts.map(([t, e]) => `${t} = ${print(e)}`).join(sep);
        const parsed = parseProgram(src, { ...LIMITS, maxDepth: 10_000 });
        expect(parsed.map((s) => s.target)).toEqual(stmts.map(([t]) => t));
        expect(parsed.map((s) => strip(s.value))).toEqual(stmts.map(([, e]) => strip(e)));
      }),
      { numRuns: 300 },
    );
  });

  const programChars = fc.constantFrom(
    ...'abcxyzTF_019.,:;=+-*/@<>!()[]{}"\'\\#\n\t \r…é😀'.split(''),
    '**', '...', 'None', 'True', 'torch.', 'F.', ' = ', 'x = ', '1e', '1_', '"""',
  );

  it('random garbage made of program characters never throws anything but ProgramSyntaxError', () => {
    fc.assert(
      fc.property(fc.array(programChars, { maxLength: 60 }).map((a) => a.join('')), (src) => {
        try {
          parseProgram(src, LIMITS);
        } catch (e) {
          if (!(e instanceof ProgramSyntaxError)) throw e;
          expect(e.pos.line).toBeGreaterThanOrEqual(1);
          expect(e.pos.col).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('random Unicode strings never throw anything but ProgramSyntaxError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (src) => {
        try {
          parseProgram(src, LIMITS);
        } catch (e) {
          if (!(e instanceof ProgramSyntaxError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('a valid program with one character deleted or inserted fails only with ProgramSyntaxError', () => {
    fc.assert(
      fc.property(exprArb, fc.nat(), programChars, fc.boolean(), (tree, at, ch, insert) => {
        const src = `y = ${print(tree)}`;
        const k = at % (src.length + 1);
        const mutated = insert ? src.slice(0, k) + ch + src.slice(k) : src.slice(0, k) + src.slice(k + 1);
        try {
          parseProgram(mutated, LIMITS);
        } catch (e) {
          if (!(e instanceof ProgramSyntaxError)) throw e;
        }
      }),
      { numRuns: 1500 },
    );
  });
});
