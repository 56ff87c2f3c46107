// Worker thread entry (piscina): decode nothing, copy nothing; hand the IR and
// the typed arrays to the engine, return its typed arrays by transfer.
import { Piscina } from 'piscina';
import { loadAddon } from '../native.js';
import type { NativeResult, NativeTensor } from '../native.js';
import type { GraphJob, JobOutcome } from './job.js';

const addon = loadAddon();

function transferables(r: NativeResult): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (t: NativeTensor | null) => {
    if (t?.data && t.data.byteLength > 0) out.push(t.data);
  };
  for (const s of r.slots) {
    if (Array.isArray(s)) s.forEach(add);
    else add(s);
  }
  r.grads.forEach(add);
  return out;
}

/** A result whose buffers piscina moves to the main thread. */
function moved(outcome: JobOutcome, buffers: ArrayBuffer[]): unknown {
  return Piscina.move({
    get [Piscina.transferableSymbol]() {
      return buffers;
    },
    get [Piscina.valueSymbol]() {
      return outcome;
    },
  } as never);
}

export default function runJob(job: GraphJob): unknown {
  const started = performance.now();
  try {
    if (Atomics.load(job.cancel, 0) !== 0 || Date.now() > job.deadlineAt)
      return { ok: false, error: { code: 'GS_cancelled', message: 'the job passed its deadline (JOB_DEADLINE_MS) before a worker was free' } };
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
  } catch (e) {
    const err = e as { code?: string; message?: string; node?: number };
    const error = { code: typeof err.code === 'string' ? err.code : 'GS_internal', message: String(err.message ?? e) };
    return { ok: false, error: typeof err.node === 'number' ? { ...error, node: err.node } : error } satisfies JobOutcome;
  }
}
