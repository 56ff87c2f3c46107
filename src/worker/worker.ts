// Worker thread entry (piscina): decode nothing, copy nothing; hand the IR and
// the typed arrays to the engine, return its typed arrays by transfer.
import { Piscina } from 'piscina';
import { loadAddon } from '../native.js';
import type { NativeOptimizeResult, NativeResult, NativeStepResult, NativeStateValue, NativeTensor } from '../native.js';
import type { GraphJob, Job, JobOutcome, OptimizeJob, OptimizerStepJob } from './job.js';

const addon = loadAddon();

function collect(out: ArrayBuffer[], t: NativeTensor | null | undefined): void {
  if (t?.data && t.data.byteLength > 0) out.push(t.data);
}

function transferables(r: NativeResult): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const s of r.slots) {
    if (Array.isArray(s)) s.forEach((t) => collect(out, t));
    else collect(out, s);
  }
  r.grads.forEach((t) => collect(out, t));
  return out;
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
function moved(outcome: JobOutcome<unknown>, buffers: ArrayBuffer[]): unknown {
  return Piscina.move({
    get [Piscina.transferableSymbol]() {
      return buffers;
    },
    get [Piscina.valueSymbol]() {
      return outcome;
    },
  } as never);
}

function runGraph(job: GraphJob, started: number): unknown {
  const base = {
    nodes: job.nodes,
    outputs: job.outputs,
    backward: job.backward,
    limits: job.limits,
    cancel: job.cancel,
  };
  // Check and cost the whole job (backward included) on shapes alone; an
  // over-limit job fails here, before anything big is allocated.
  const meta = addon.run({ ...base, inputs: job.inputs.map((i) => ({ ...i, data: undefined })), meta: true });
  if (job.dryRun) return { ok: true, result: meta, ms: performance.now() - started } satisfies JobOutcome;
  const result = addon.run({ ...base, inputs: job.inputs, meta: false, deadlineMs: Math.max(1, job.deadlineAt - Date.now()) });
  return moved({ ok: true, result, ms: performance.now() - started }, transferables(result));
}

function runOptimizerStep(job: OptimizerStepJob, started: number): unknown {
  const result = addon.optimizerStep({ ...job, deadlineMs: Math.max(1, job.deadlineAt - Date.now()) });
  return moved({ ok: true, result, ms: performance.now() - started }, stepTransferables(result));
}

function runOptimize(job: OptimizeJob, started: number): unknown {
  const port = job.progress;
  // The engine calls back (on this thread) every progressEvery steps; without
  // a port there is no callback and no per-step JS work at all.
  const onProgress = port ? (batch: unknown) => port.postMessage(batch) : undefined;
  try {
    const result = addon.optimize({ ...job, progress: undefined, onProgress, deadlineMs: Math.max(1, job.deadlineAt - Date.now()) });
    return moved({ ok: true, result, ms: performance.now() - started }, stepTransferables(result));
  } finally {
    port?.close();
  }
}

export default function runJob(job: Job): unknown {
  const started = performance.now();
  try {
    if (Atomics.load(job.cancel, 0) !== 0 || Date.now() > job.deadlineAt)
      return { ok: false, error: { code: 'GS_cancelled', message: 'the job passed its deadline (JOB_DEADLINE_MS) before a worker was free' } };
    switch (job.kind) {
      case 'graph':
        return runGraph(job, started);
      case 'optimizerStep':
        return runOptimizerStep(job, started);
      case 'optimize':
        return runOptimize(job, started);
    }
  } catch (e) {
    if (job.kind === 'optimize') job.progress?.close();
    const err = e as { code?: string; message?: string; node?: number };
    const error = { code: typeof err.code === 'string' ? err.code : 'GS_internal', message: String(err.message ?? e) };
    return { ok: false, error: typeof err.node === 'number' ? { ...error, node: err.node } : error } satisfies JobOutcome;
  }
}
