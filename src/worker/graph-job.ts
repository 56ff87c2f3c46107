// Running one graph job in the engine, and an engine exception as a job's
// failed outcome: shared by the worker threads (worker.ts) and by the pool's
// inline path for tiny jobs (pool/inline.ts), so both answer alike.
import { RUN_CONTROL_LENGTH, runControl, type NativeAddon } from '../native.js';
import type { GraphJob, Job, JobError, JobOutcome } from './job.js';
import { prepared } from './prepared.js';

/** A job's outcome and the buffers to move with it (to the main thread). */
export interface Done {
  outcome: JobOutcome<unknown>;
  buffers: ArrayBuffer[];
}

export const deadlineMs = (job: Job) => Math.max(1, job.deadlineAt - Date.now());
export const elapsed = (started: number) => performance.now() - started;

// One control block per thread, rewritten for each (synchronous) run.
const control = new Float64Array(RUN_CONTROL_LENGTH);

export function runGraphJob(addon: NativeAddon, job: GraphJob, cancel: Int32Array, started: number): Done {
  const entry = prepared(addon, job.program);
  const opts = {
    limits: job.limits,
    deadlineMs: deadlineMs(job),
    dryRun: job.dryRun,
    // Cost the job on shapes alone before the real run, until it has passed once.
    check: !entry.checked,
  };
  const result = addon.runPrepared(entry.program, job.data, runControl(opts, control), cancel);
  if (!(result instanceof ArrayBuffer)) return { outcome: { ok: true, result, ms: elapsed(started) }, buffers: [] };
  entry.checked = true;
  return { outcome: { ok: true, result, ms: elapsed(started) }, buffers: [result] };
}

/** An exception from the engine (typed: code, message, node) as a job's error. */
export function jobError(e: unknown): JobError {
  const err = e as { code?: string; message?: string; node?: number };
  const error = { code: typeof err.code === 'string' ? err.code : 'GS_internal', message: String(err.message ?? e) };
  return typeof err.node === 'number' ? { ...error, node: err.node } : error;
}
