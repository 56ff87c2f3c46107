// Tiny graph jobs run on the main thread, not on a worker. Handing a job to a
// worker and its answer back costs the service ~40 µs of CPU (the message
// each way, waking the worker, its turn of piscina bookkeeping) — more than
// the engine spends on a graph of a few dozen FLOPs. A program is run here
// only once its cost is known from an earlier run (the first run of every
// program goes to the pool, which costs it on shapes first) and that cost is
// tiny: INLINE_MAX_FLOPS and at most MAX_OPS ops, so the event loop is held
// for tens of microseconds at most — less than parsing a small JSON body.
// Everything else, and every other kind of job, goes to the pool. The pool
// runs a turn's inline jobs together once the turn's I/O is done
// (setImmediate, pool.ts): answers then go out together, as a batch's do;
// run inside each request's handler they cost more CPU per request.
import { loadAddon, type NativeAddon } from '../native.js';
import { jobError, runGraphJob } from '../worker/graph-job.js';
import type { GraphJob, JobLimits, JobOutcome } from '../worker/job.js';
import type { ProgramRef } from '../ir/program-ref.js';

/** Ops of a tiny program at most (the engine's dispatch costs ~0.5-1 µs per op). */
const MAX_OPS = 64;

/** What an inline run needs: a graph job's input without the pool's envelope. */
export interface InlineInput {
  kind: 'graph';
  dryRun: boolean;
  program: ProgramRef;
  data: GraphJob['data'];
  limits: JobLimits;
}

export class InlineRunner {
  private addon: NativeAddon | undefined;
  // Never set: an inline run ends before anything could cancel it.
  private readonly cancel = new Int32Array(new SharedArrayBuffer(4));

  constructor(
    private readonly maxFlops: number,
    private readonly deadlineMs: number,
  ) {}

  /** A real run of a program whose last run was tiny, on packed (small) data. */
  accepts(input: { kind: string; dryRun?: boolean; program?: ProgramRef; data?: unknown }): input is InlineInput {
    if (this.maxFlops <= 0 || input.kind !== 'graph' || input.dryRun || !ArrayBuffer.isView(input.data)) return false;
    const c = input.program?.lastCost;
    return c !== undefined && c.flops <= this.maxFlops && c.ops <= MAX_OPS;
  }

  /** Runs the job now; the outcome is the one a worker would have sent. */
  run(input: InlineInput): JobOutcome<unknown> {
    const started = performance.now();
    this.addon ??= loadAddon();
    const job: GraphJob = { kind: 'graph', dryRun: false, program: input.program, data: input.data, limits: input.limits, cancelSlot: -1, deadlineAt: Date.now() + this.deadlineMs };
    try {
      return runGraphJob(this.addon, job, this.cancel, started).outcome;
    } catch (e) {
      return { ok: false, error: jobError(e) };
    }
  }
}
