// Configuration from environment variables. One table holds every variable
// with its default and meaning; loadConfig reads it, the README documents it
// (test/config.test.ts fails when the README and this table disagree).
import { availableParallelism } from 'node:os';
import type { GemmSetting } from './gemm-choice.js';

export interface Config {
  port: number;
  host: string;
  workers: number;
  processes: number;
  maxQueue: number;
  inlineMaxFlops: number;
  bodyLimitBytes: number;
  maxTensorElements: number;
  maxGraphNodes: number;
  maxJobBytes: number;
  maxJobFlops: number;
  maxJobOps: number;
  jobDeadlineMs: number;
  maxOptimizeSteps: number;
  maxProgramLength: number;
  maxNestingDepth: number;
  logLevel: string;
  maxEventLoopDelayMs: number;
  maxInflightBodyBytes: number;
  maxHeapUsedBytes: number;
  retryAfterSeconds: number;
  shutdownGraceMs: number;
  maxJsonDepth: number;
  maxJsonKeys: number;
  maxJsonKeyLength: number;
  apiKey: string | undefined;
  corsOrigin: string | undefined;
  mallocRetainBytes: number;
  gemm: GemmSetting;
}

type Kind = 'int' | 'string' | 'optional-string';

interface Setting {
  env: string;
  key: keyof Config;
  kind: Kind;
  default: number | string | undefined | (() => number);
  /** Smallest value accepted (ints; 0 when absent). */
  min?: number;
  /** Largest value accepted (ints; none when absent). */
  max?: number;
  /** The values accepted (strings). */
  choices?: readonly string[];
  doc: string;
}

export const SETTINGS: readonly Setting[] = [
  { env: 'PORT', key: 'port', kind: 'int', default: 8080, doc: 'TCP port to listen on' },
  { env: 'HOST', key: 'host', kind: 'string', default: '0.0.0.0', doc: 'interface to listen on' },
  { env: 'WORKERS', key: 'workers', kind: 'int', default: () => availableParallelism(), doc: 'worker threads computing jobs (default: available cores)' },
  { env: 'PROCESSES', key: 'processes', kind: 'int', default: 1, min: 1, doc: 'HTTP processes sharing the port (node:cluster); each runs its own WORKERS worker threads' },
  { env: 'MAX_QUEUE', key: 'maxQueue', kind: 'int', default: 256, doc: 'jobs waiting for a worker before new ones get 503' },
  { env: 'INLINE_MAX_FLOPS', key: 'inlineMaxFlops', kind: 'int', default: 10_000, doc: 'a graph whose last run cost at most this many FLOPs (and at most 64 ops) runs on the main thread, not a worker: handing it over costs more than computing it (0: every job goes to the pool)' },
  { env: 'BODY_LIMIT_BYTES', key: 'bodyLimitBytes', kind: 'int', default: 64 * 1024 * 1024, doc: 'largest request body (413 above)' },
  { env: 'MAX_TENSOR_ELEMENTS', key: 'maxTensorElements', kind: 'int', default: 16_777_216, doc: 'elements of any one tensor, given or computed' },
  { env: 'MAX_GRAPH_NODES', key: 'maxGraphNodes', kind: 'int', default: 10_000, doc: 'ops in one graph (program statements and sub-expressions)' },
  { env: 'MAX_JOB_BYTES', key: 'maxJobBytes', kind: 'int', default: 2 * 1024 * 1024 * 1024, doc: 'estimated bytes all tensors of one job may allocate' },
  { env: 'MAX_JOB_FLOPS', key: 'maxJobFlops', kind: 'int', default: 50_000_000_000, doc: 'estimated floating-point operations of one job' },
  { env: 'MAX_JOB_OPS', key: 'maxJobOps', kind: 'int', default: 1_000_000, doc: 'ops one job may execute, backward passes and jacobians included' },
  { env: 'JOB_DEADLINE_MS', key: 'jobDeadlineMs', kind: 'int', default: 30_000, doc: 'a job still running after this is stopped (504)' },
  { env: 'MAX_OPTIMIZE_STEPS', key: 'maxOptimizeSteps', kind: 'int', default: 10_000, doc: 'upper bound for `steps`' },
  { env: 'MAX_PROGRAM_LENGTH', key: 'maxProgramLength', kind: 'int', default: 1_000_000, doc: 'characters in one program' },
  { env: 'MAX_NESTING_DEPTH', key: 'maxNestingDepth', kind: 'int', default: 64, doc: 'nesting depth of expressions in a program' },
  { env: 'LOG_LEVEL', key: 'logLevel', kind: 'string', default: 'info', doc: 'pino log level (fatal, error, warn, info, debug, trace, silent)' },
  { env: 'MAX_EVENT_LOOP_DELAY_MS', key: 'maxEventLoopDelayMs', kind: 'int', default: 1000, doc: 'mean event-loop delay above which new requests get 503 (0: off)' },
  { env: 'MAX_INFLIGHT_BODY_BYTES', key: 'maxInflightBodyBytes', kind: 'int', default: 1024 * 1024, doc: 'declared body bytes of the POST /v1/* requests admitted whose body is not yet parsed, above which new ones get 503 (one larger request alone is admitted; 0: off)' },
  { env: 'MAX_HEAP_USED_BYTES', key: 'maxHeapUsedBytes', kind: 'int', default: 0, doc: 'V8 heap use above which new requests get 503 (0: 90% of the heap limit)' },
  { env: 'RETRY_AFTER_S', key: 'retryAfterSeconds', kind: 'int', default: 1, doc: '`Retry-After` of a 503' },
  { env: 'SHUTDOWN_GRACE_MS', key: 'shutdownGraceMs', kind: 'int', default: 10_000, doc: 'on SIGTERM, how long jobs in flight may finish before they are cancelled' },
  { env: 'MAX_JSON_DEPTH', key: 'maxJsonDepth', kind: 'int', default: 128, doc: 'nesting depth of a JSON body (checked before parsing)' },
  { env: 'MAX_JSON_KEYS', key: 'maxJsonKeys', kind: 'int', default: 100_000, doc: 'object keys in a JSON body (checked before parsing)' },
  { env: 'MAX_JSON_KEY_LENGTH', key: 'maxJsonKeyLength', kind: 'int', default: 1024, doc: 'characters in one JSON object key (checked before parsing)' },
  { env: 'API_KEY', key: 'apiKey', kind: 'optional-string', default: undefined, doc: 'when set, /v1/* requires `Authorization: Bearer <key>`' },
  { env: 'CORS_ORIGIN', key: 'corsOrigin', kind: 'optional-string', default: undefined, doc: 'when set, CORS is enabled for that origin' },
  { env: 'MALLOC_RETAIN_BYTES', key: 'mallocRetainBytes', kind: 'int', default: 128 * 1024 * 1024, max: 2 ** 31 - 1, doc: 'freed native memory (glibc malloc) each allocation arena (the main thread, each worker thread) keeps for reuse rather than returning it to the system, so large bodies and answers reuse warm pages instead of faulting in fresh ones (0: glibc\'s defaults; not applied when `MALLOC_TRIM_THRESHOLD_`, `MALLOC_MMAP_THRESHOLD_` or `GLIBC_TUNABLES` is set); see Performance' },
  { env: 'GEMM', key: 'gemm', kind: 'string', default: 'auto', choices: ['auto', 'openblas', 'builtin'], doc: 'matrix products: `openblas` (when linked), `builtin` (our kernels), or `auto`: whichever ran faster on a 256³ product at start (OpenBLAS unless ours is ≥ 1.2× faster); see Performance' },
];

function defaultOf(s: Setting): number | string | undefined {
  return typeof s.default === 'function' ? s.default() : s.default;
}

/** Reads the environment (or the given map); throws on a malformed value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const raw = env[s.env];
    if (raw === undefined || raw === '') {
      out[s.key] = defaultOf(s);
      continue;
    }
    if (s.kind === 'int') {
      const n = Number(raw);
      if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${s.env} must be a non-negative integer, got '${raw}'`);
      if (n < (s.min ?? 0)) throw new Error(`${s.env} must be at least ${s.min}, got '${raw}'`);
      if (s.max !== undefined && n > s.max) throw new Error(`${s.env} must be at most ${s.max}, got '${raw}'`);
      out[s.key] = n;
    } else {
      if (s.choices && !s.choices.includes(raw)) throw new Error(`${s.env} must be one of ${s.choices.join(', ')}, got '${raw}'`);
      out[s.key] = raw;
    }
  }
  const cfg = { ...(out as unknown as Config), ...overrides };
  if (cfg.workers < 1) cfg.workers = 1;
  return cfg;
}
