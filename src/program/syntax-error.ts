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

/** A program over a size limit (length, statements): HTTP 413, not 400. */
export class ProgramTooLargeError extends ProgramSyntaxError {}
