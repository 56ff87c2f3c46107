// Every failure the service reports is a ProblemError: an RFC 9457 problem
// type from this catalogue, a status, and a detail a user can act on. The
// engine's typed errors (code GS_<kind>) map here too, in one table.

export interface ProblemDetailError {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

interface ProblemKind {
  type: string;
  title: string;
  status: number;
}

export const PROBLEMS = {
  invalidJson: { type: '/problems/invalid-json', title: 'Invalid JSON', status: 400 },
  invalidRequest: { type: '/problems/invalid-request', title: 'Invalid request', status: 400 },
  syntaxError: { type: '/problems/syntax-error', title: 'Syntax error', status: 400 },
  unauthorized: { type: '/problems/unauthorized', title: 'Unauthorized', status: 401 },
  notFound: { type: '/problems/not-found', title: 'Not found', status: 404 },
  methodNotAllowed: { type: '/problems/method-not-allowed', title: 'Method not allowed', status: 405 },
  notAcceptable: { type: '/problems/not-acceptable', title: 'Not acceptable', status: 406 },
  tooLarge: { type: '/problems/too-large', title: 'Too large', status: 413 },
  unsupportedMediaType: { type: '/problems/unsupported-media-type', title: 'Unsupported media type', status: 415 },
  shapeMismatch: { type: '/problems/shape-mismatch', title: 'Shape mismatch', status: 422 },
  dtypeMismatch: { type: '/problems/dtype-mismatch', title: 'Dtype mismatch', status: 422 },
  invalidValue: { type: '/problems/invalid-value', title: 'Invalid value', status: 422 },
  indexOutOfRange: { type: '/problems/index-out-of-range', title: 'Index out of range', status: 422 },
  unknownName: { type: '/problems/unknown-name', title: 'Unknown name', status: 422 },
  unknownOp: { type: '/problems/unknown-op', title: 'Unknown op', status: 422 },
  invalidArgument: { type: '/problems/invalid-argument', title: 'Invalid argument', status: 422 },
  cycle: { type: '/problems/cycle', title: 'Cycle in graph', status: 422 },
  overloaded: { type: '/problems/overloaded', title: 'Service overloaded', status: 503 },
  metricsUnavailable: { type: '/problems/metrics-unavailable', title: 'Metrics unavailable', status: 503 },
  deadlineExceeded: { type: '/problems/deadline-exceeded', title: 'Deadline exceeded', status: 504 },
  internal: { type: '/problems/internal', title: 'Internal error', status: 500 },
} as const satisfies Record<string, ProblemKind>;

export type ProblemName = keyof typeof PROBLEMS;

export class ProblemError extends Error {
  readonly kind: ProblemKind;
  readonly errors: ProblemDetailError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    name: ProblemName,
    detail: string,
    errors?: ProblemDetailError[],
    headers?: Record<string, string>,
  ) {
    super(detail);
    this.kind = PROBLEMS[name];
    this.errors = errors;
    this.headers = headers;
  }

  get status(): number {
    return this.kind.status;
  }

  toJSON(): Record<string, unknown> {
    const body: Record<string, unknown> = {
      type: this.kind.type,
      title: this.kind.title,
      status: this.kind.status,
      detail: this.message,
    };
    if (this.errors && this.errors.length > 0) body.errors = this.errors;
    return body;
  }
}

/** A place in the request: a JSON pointer, plus line and column inside a program. */
export interface Where {
  path: string;
  line?: number;
  column?: number;
}

/**
 * A ProblemError located at one place of the request. Inside a program the
 * detail starts with the line and column, unless it is PyTorch's own message
 * (engine errors), which stays verbatim; errors[] always carries the place.
 */
export function problemAt(name: ProblemName, where: Where | string, message: string, prefixDetail = true): ProblemError {
  const w = typeof where === 'string' ? { path: where } : where;
  if (w.line === undefined) return new ProblemError(name, message, [{ path: w.path, message }]);
  const detail = prefixDetail ? `line ${w.line}, column ${w.column}: ${message}` : message;
  return new ProblemError(name, detail, [{ path: w.path, line: w.line, column: w.column, message }]);
}

// The engine's error kinds (native/errors.h) and what they mean over HTTP.
const ENGINE_KINDS: Record<string, ProblemName> = {
  GS_shape: 'shapeMismatch',
  GS_dtype: 'dtypeMismatch',
  GS_value: 'invalidValue',
  GS_index: 'indexOutOfRange',
  GS_limit: 'tooLarge',
  GS_cancelled: 'deadlineExceeded',
};

/** Maps an error thrown by the addon (possibly across a worker) to a problem. */
export function fromEngineError(err: unknown, locate?: (node: number) => Where): ProblemError {
  if (err instanceof ProblemError) return err;
  const e = err as { code?: unknown; message?: unknown; node?: unknown };
  const name = typeof e.code === 'string' ? ENGINE_KINDS[e.code] : undefined;
  if (!name) return new ProblemError('internal', 'The engine failed unexpectedly; the error was logged.');
  const message = typeof e.message === 'string' ? e.message : 'engine error';
  if (typeof e.node === 'number' && locate) return problemAt(name, locate(e.node), message, false);
  return new ProblemError(name, message);
}
