import type { Pos } from './ast.js';

/** A syntax error at a line and column of the program (HTTP 400). */
export class ProgramSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: Pos,
  ) {
    super(message);
  }
}
