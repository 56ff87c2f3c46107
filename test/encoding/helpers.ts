import { expect } from 'vitest';
import { ProblemError } from '../../src/errors.js';

/** Runs f, expects a ProblemError with this status (and type/path/message when given). */
export function expectProblem(
  f: () => unknown,
  status: number,
  want: { type?: string; path?: string; message?: string | RegExp } = {},
): ProblemError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a ProblemError to be thrown').toBeInstanceOf(ProblemError);
  const err = caught as ProblemError;
  expect(err.status).toBe(status);
  const body = err.toJSON();
  expect(body.status).toBe(status);
  expect(typeof body.detail).toBe('string');
  if (want.type) expect(body.type).toBe(want.type);
  if (want.path !== undefined) {
    expect(body.errors).toBeDefined();
    expect((body.errors as { path: string }[])[0]!.path).toBe(want.path);
  }
  if (want.message !== undefined) {
    if (typeof want.message === 'string') expect(err.message).toContain(want.message);
    else expect(err.message).toMatch(want.message);
  }
  return err;
}

export const T = {
  invalidRequest: '/problems/invalid-request',
  invalidJson: '/problems/invalid-json',
  tooLarge: '/problems/too-large',
  shapeMismatch: '/problems/shape-mismatch',
  invalidValue: '/problems/invalid-value',
  internal: '/problems/internal',
};
