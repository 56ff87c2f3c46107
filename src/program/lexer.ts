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
    if (isNameStart(c)) {
      const start = i;
      while (i < src.length && (isNameStart(src[i]!) || isDigit(src[i]!))) i++;
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
      if (isNameStart(src[i] ?? '')) throw new ProgramSyntaxError(`invalid decimal literal '${text}${src[i]}'`, pos(start));
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
    if (!op) throw new ProgramSyntaxError(`invalid character '${c}'`, pos(i));
    if (op === '(' || op === '[') depth++;
    if ((op === ')' || op === ']') && depth > 0) depth--;
    tokens.push({ kind: 'op', text: op, pos: pos(i) });
    i += op.length;
  }
  tokens.push({ kind: 'eof', text: '', pos: pos(i) });
  return tokens;
}
