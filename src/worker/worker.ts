// Worker thread entry (piscina): decode nothing, copy nothing; hand the
// program and the typed arrays to the engine, return its buffers by transfer.
// Each message is kept to few objects: structured clone costs per typed array
// and per object, more than the engine spends on a small graph.
import { workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { loadAddon } from '../native.js';
import type { NativeOptimizeResult, NativeStepResult, NativeStateValue, NativeTensor } from '../native.js';
import { decodeBatch, encodeAnswers, type WireBatch } from './batch-wire.js';
import { deadlineMs, elapsed, jobError, runGraphJob, type Done } from './graph-job.js';
import type { Job, OptimizeJob, OptimizerStepJob, WorkerData } from './job.js';

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
        return runGraphJob(addon, job, cancel, started);
      case 'optimizerStep':
        return runOptimizerStep(job, cancel, started);
      case 'optimize':
        return runOptimize(job, cancel, started);
    }
  } catch (e) {
    if (job.kind === 'optimize') job.progress?.close();
    return { outcome: { ok: false, error: jobError(e) }, buffers: [] };
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
