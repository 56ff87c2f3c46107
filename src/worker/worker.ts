// Worker thread entry (piscina): decode nothing, copy nothing; hand the
// program and the typed arrays to the engine, return its buffers by transfer.
// Each message is kept to few objects: structured clone costs per typed array
// and per object, more than the engine spends on a small graph.
import { workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { loadAddon } from '../native.js';
import type { NativeOptimizeResult, NativeStepResult, NativeStateValue, NativeTensor } from '../native.js';
import { decodeBatch, encodeAnswers, type WireBatch } from './batch-wire.js';
import type { GraphJob, Job, JobOutcome, OptimizeJob, OptimizerStepJob, WorkerData } from './job.js';
import { prepared } from './prepared.js';

const addon = loadAddon();
// One cancel flag per job slot, shared with the main thread (see pool.ts).
const flags = new Int32Array((workerData as WorkerData).cancelFlags);

function collect(out: ArrayBuffer[], t: NativeTensor | null | undefined): void {
  if (t?.data instanceof ArrayBuffer && t.data.byteLength > 0) out.push(t.data);
}

function stepTransferables(r: NativeStepResult | NativeOptimizeResult): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  r.params.forEach((t) => collect(out, t));
  const value = (v: NativeStateValue) => {
    if (Array.isArray(v)) v.forEach((x) => typeof x === 'object' && collect(out, x));
    else if (v !== null && typeof v === 'object') collect(out, v);
  };
  for (const s of r.state) Object.values(s).forEach(value);
  if ('records' in r) {
    r.records.forEach((t) => collect(out, t));
    out.push(r.loss, r.lr);
  }
  return out;
}

/** A result whose buffers piscina moves to the main thread. */
function moved(value: unknown, buffers: ArrayBuffer[]): unknown {
  return Piscina.move({
    get [Piscina.transferableSymbol]() {
      return buffers;
    },
    get [Piscina.valueSymbol]() {
      return value;
    },
  } as never);
}

/** A job's outcome and the buffers to move with it. */
interface Done {
  outcome: JobOutcome<unknown>;
  buffers: ArrayBuffer[];
}

const deadlineMs = (job: Job) => Math.max(1, job.deadlineAt - Date.now());
const elapsed = (started: number) => performance.now() - started;

function runGraph(job: GraphJob, cancel: Int32Array, started: number): Done {
  const entry = prepared(addon, job.program);
  const result = addon.runPrepared(entry.program, job.data, {
    limits: job.limits,
    cancel,
    deadlineMs: deadlineMs(job),
    dryRun: job.dryRun,
    // Cost the job on shapes alone before the real run, until it has passed once.
    check: !entry.checked,
  });
  if (!(result instanceof ArrayBuffer)) return { outcome: { ok: true, result, ms: elapsed(started) }, buffers: [] };
  entry.checked = true;
  return { outcome: { ok: true, result, ms: elapsed(started) }, buffers: [result] };
}

function runOptimizerStep(job: OptimizerStepJob, cancel: Int32Array, started: number): Done {
  const result = addon.optimizerStep({ ...job, cancel, deadlineMs: deadlineMs(job) });
  return { outcome: { ok: true, result, ms: elapsed(started) }, buffers: stepTransferables(result) };
}

function runOptimize(job: OptimizeJob, cancel: Int32Array, started: number): Done {
  const port = job.progress;
  // The engine calls back (on this thread) every progressEvery steps; without
  // a port there is no callback and no per-step JS work at all.
  const onProgress = port ? (batch: unknown) => port.postMessage(batch) : undefined;
  try {
    const result = addon.optimize({ ...job, cancel, progress: undefined, onProgress, deadlineMs: deadlineMs(job) });
    return { outcome: { ok: true, result, ms: elapsed(started) }, buffers: stepTransferables(result) };
  } finally {
    port?.close();
  }
}

function run(job: Job): Done {
  const started = performance.now();
  const cancel = flags.subarray(job.cancelSlot, job.cancelSlot + 1);
  try {
    if (Atomics.load(cancel, 0) !== 0 || Date.now() > job.deadlineAt)
      return { outcome: { ok: false, error: { code: 'GS_cancelled', message: 'the job passed its deadline (JOB_DEADLINE_MS) before a worker was free' } }, buffers: [] };
    switch (job.kind) {
      case 'graph':
        return runGraph(job, cancel, started);
      case 'optimizerStep':
        return runOptimizerStep(job, cancel, started);
      case 'optimize':
        return runOptimize(job, cancel, started);
    }
  } catch (e) {
    if (job.kind === 'optimize') job.progress?.close();
    const err = e as { code?: string; message?: string; node?: number };
    const error = { code: typeof err.code === 'string' ? err.code : 'GS_internal', message: String(err.message ?? e) };
    return { outcome: { ok: false, error: typeof err.node === 'number' ? { ...error, node: err.node } : error }, buffers: [] };
  }
}

export default function runTask(task: Job | WireBatch): unknown {
  if (task.kind !== 'batch') {
    const { outcome, buffers } = run(task);
    return buffers.length > 0 ? moved(outcome, buffers) : outcome;
  }
  // Each job of a batch keeps its own cancel flag and deadline; the answers
  // go back copied into one buffer (a few hundred bytes each).
  const answers = encodeAnswers(decodeBatch(task).map((job) => run(job).outcome));
  return moved(answers, [answers.buf]);
}
