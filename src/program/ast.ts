// The program language's syntax tree. Every node carries its source position
// so errors can point at line and column.

export interface Pos {
  line: number;
  col: number;
}

export type Expr =
  | { kind: 'num'; value: number; isInt: boolean; pos: Pos }
  | { kind: 'str'; value: string; pos: Pos }
  | { kind: 'bool'; value: boolean; pos: Pos }
  | { kind: 'none'; pos: Pos }
  | { kind: 'name'; name: string; pos: Pos }
  | { kind: 'list'; items: Expr[]; pos: Pos }
  | { kind: 'call'; callee: string; args: Expr[]; kwargs: Kwarg[]; pos: Pos }
  | { kind: 'method'; target: Expr; name: string; args: Expr[]; kwargs: Kwarg[]; pos: Pos }
  | { kind: 'attr'; target: Expr; name: string; pos: Pos }
  | { kind: 'index'; target: Expr; items: IndexItem[]; pos: Pos }
  | { kind: 'unary'; op: '-' | '+' | 'not'; operand: Expr; pos: Pos }
  | { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: Pos };

export type BinaryOp = '+' | '-' | '*' | '/' | '@' | '**' | '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Kwarg {
  name: string;
  value: Expr;
  pos: Pos;
}

export type IndexItem =
  | { kind: 'expr'; value: Expr }
  | { kind: 'slice'; start: Expr | null; stop: Expr | null; step: Expr | null }
  | { kind: 'ellipsis' }
  | { kind: 'newaxis' };

export interface Statement {
  target: string;
  value: Expr;
  pos: Pos;
}
