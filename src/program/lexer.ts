// Splits program text into tokens. Hand-written, linear, no regex
// backtracking on user input; every token knows its line and column.
import { ProgramSyntaxError } from './syntax-error.js';
import type { Pos } from './ast.js';

export type TokenKind = 'name' | 'num' | 'str' | 'op' | 'newline' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  value?: number;
  isInt?: boolean;
  pos: Pos;
}

const OPERATORS = ['**', '<=', '>=', '==', '!=', '...', '+', '-', '*', '/', '@', '<', '>', '=', '(', ')', '[', ']', ',', ':', '.', ';'];

function isNameStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

// Python 3 identifiers may use any Unicode letter (PEP 3131): x名 = é + 1.
const UNICODE_START = /^\p{ID_Start}$/u;
const UNICODE_CONTINUE = /^\p{ID_Continue}$/u;

/** Length in UTF-16 units of the identifier character at i (0 if none). */
function nameCharAt(src: string, i: number, start: boolean): number {
  const c = src[i];
  if (c === undefined) return 0;
  if (isNameStart(c) || (!start && isDigit(c))) return 1;
  if (c.charCodeAt(0) < 0x80) return 0;
  const cp = src.codePointAt(i)!;
  const ch = String.fromCodePoint(cp);
  return (start ? UNICODE_START : UNICODE_CONTINUE).test(ch) ? ch.length : 0;
}
function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let depth = 0; // inside (...) or [...], newlines do not end a statement
  const pos = (at: number): Pos => ({ line, col: at - lineStart + 1 });
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\n') {
      if (depth === 0) tokens.push({ kind: 'newline', text: '\n', pos: pos(i) });
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\\' && src[i + 1] === '\n') {
      i += 2;
      line++;
      lineStart = i;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const first = nameCharAt(src, i, true);
    if (first > 0) {
      const start = i;
      i += first;
      for (let n = nameCharAt(src, i, false); n > 0; n = nameCharAt(src, i, false)) i += n;
      tokens.push({ kind: 'name', text: src.slice(start, i), pos: pos(start) });
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(src[i + 1] ?? ''))) {
      const start = i;
      let isInt = true;
      while (i < src.length && (isDigit(src[i]!) || src[i] === '_')) i++;
      if (src[i] === '.' && src[i + 1] !== '.') {
        isInt = false;
        i++;
        while (i < src.length && isDigit(src[i]!)) i++;
      }
      if (src[i] === 'e' || src[i] === 'E') {
        const save = i;
        i++;
        if (src[i] === '+' || src[i] === '-') i++;
        if (!isDigit(src[i] ?? '')) i = save;
        else {
          isInt = false;
          while (i < src.length && isDigit(src[i]!)) i++;
        }
      }
      const text = src.slice(start, i);
      const value = Number(text.replace(/_/g, ''));
      if (Number.isNaN(value)) throw new ProgramSyntaxError(`invalid number '${text}'`, pos(start));
      if (nameCharAt(src, i, true) > 0) throw new ProgramSyntaxError(`invalid decimal literal '${text}${src[i]}'`, pos(start));
      tokens.push({ kind: 'num', text, value, isInt, pos: pos(start) });
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i;
      i++;
      let out = '';
      while (i < src.length && src[i] !== c) {
        if (src[i] === '\n') throw new ProgramSyntaxError('unterminated string literal', pos(start));
        if (src[i] === '\\' && i + 1 < src.length) {
          const e = src[i + 1]!;
          out += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
          continue;
        }
        out += src[i];
        i++;
      }
      if (i >= src.length) throw new ProgramSyntaxError('unterminated string literal', pos(start));
      i++;
      tokens.push({ kind: 'str', text: out, pos: pos(start) });
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new ProgramSyntaxError(`invalid character '${String.fromCodePoint(src.codePointAt(i)!)}'`, pos(i));
    if (op === '(' || op === '[') depth++;
    if ((op === ')' || op === ']') && depth > 0) depth--;
    tokens.push({ kind: 'op', text: op, pos: pos(i) });
    i += op.length;
  }
  tokens.push({ kind: 'eof', text: '', pos: pos(i) });
  return tokens;
}
