// The worker pool: piscina sized by WORKERS with a bounded queue. A full
// queue is a 503 with Retry-After; a job past its deadline is a 504, and its
// cancel flag stops the engine between ops and inside long kernels, so the
// worker is free again right after.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Config } from '../config.js';
import { ProblemError } from '../errors.js';
import { decodeAnswers, encodeBatch, type WireAnswers } from '../worker/batch-wire.js';
import type { GraphJob, Job, JobOutcome, JobResults, WorkerData } from '../worker/job.js';
import { InlineRunner, type InlineInput } from './inline.js';

// The worker must be JavaScript: from the built service it sits beside this
// file's directory; under vitest (running src/*.ts) it is the built copy in dist/.
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? resolve(dirname(here), '../../dist/worker/worker.js') : resolve(dirname(here), '../worker/worker.js');
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type JobInput = DistributiveOmit<Job, 'cancelSlot' | 'deadlineAt'>;

export interface RunOptions {
  /** Aborting sets the job's cancel flag (e.g. the client went away). */
  signal?: AbortSignal;
}

/** piscina's options for a job sent alone: its input buffers (and progress port) moved, not copied. */
function transferOptions(input: JobInput): { transferList: never } | undefined {
  const list: Array<ArrayBuffer | MessagePort> = inputBuffers(input);
  if (input.kind === 'optimize' && input.progress) list.push(input.progress);
  return list.length > 0 ? { transferList: uniqueBuffers(list) as never } : undefined;
}

/** Buffers of a job's input typed arrays that can be moved, not copied, to the worker. */
function inputBuffers(input: JobInput): ArrayBuffer[] {
  const whole = (d: ArrayBufferView | undefined) =>
    d && d.byteLength > 0 && d.byteOffset === 0 && d.byteLength === d.buffer.byteLength ? [d.buffer as ArrayBuffer] : [];
  switch (input.kind) {
    case 'graph':
      return ArrayBuffer.isView(input.data) ? [] : input.data.flatMap(whole);
    case 'optimize':
      return input.inputs.flatMap((i) => whole(i.data));
    case 'optimizerStep':
      return [...input.params, ...input.grads].flatMap((t) => whole(t.data));
  }
}

/** What the pool reports about each job it accepted (metrics, logs). */
export interface JobEvent {
  kind: Job['kind'];
  /** Time queued before a worker took it (total minus the worker's own time). */
  waitMs: number;
  /** Time the worker spent on it (0 when it never ran). */
  runMs: number;
  outcome: 'ok' | 'error' | 'deadline' | 'rejected';
}

export interface PoolHooks {
  onJob?: (e: JobEvent) => void;
}

export class JobPool {
  private readonly piscina: Piscina;
  /** One cancel flag per job slot, shared with every worker once (workerData):
   * a job carries only its slot number, not a SharedArrayBuffer of its own. */
  private readonly flags: Int32Array;
  private readonly freeSlots: number[];
  /** Slots of the jobs handed to piscina and not yet settled. */
  private readonly inflight = new Set<number>();
  private readonly inline: InlineRunner;

  constructor(
    private readonly cfg: Config,
    private readonly hooks: PoolHooks = {},
  ) {
    // Jobs in flight: the queue, the running ones, and ones past their deadline
    // whose worker has not yet stopped (at most one per worker).
    this.inline = new InlineRunner(cfg.inlineMaxFlops, cfg.jobDeadlineMs);
    const slots = cfg.maxQueue + 2 * cfg.workers + 8;
    this.flags = new Int32Array(new SharedArrayBuffer(4 * slots));
    this.freeSlots = Array.from({ length: slots }, (_, i) => slots - 1 - i);
    const workerData: WorkerData = { cancelFlags: this.flags.buffer as SharedArrayBuffer };
    this.piscina = new Piscina({
      filename: workerFile(),
      workerData,
      minThreads: cfg.workers,
      maxThreads: cfg.workers,
      maxQueue: cfg.maxQueue,
      idleTimeout: 60_000,
      // Its per-task timing histogram is not read (src/metrics.ts times jobs itself).
      recordTiming: false,
      // Deep graphs recurse in autograd teardown; give workers room.
      resourceLimits: { stackSizeMb: 64 },
    });
  }

  get utilization(): number {
    return this.piscina.utilization;
  }

  get threads(): number {
    return this.piscina.threads.length;
  }

  /** Jobs accepted and not yet taken by a worker (in jobs, not piscina tasks:
   * a batch of small jobs is one task). Jobs past their deadline whose worker
   * has not stopped yet count until it does. */
  get queueSize(): number {
    return Math.max(0, this.inflight.size - this.cfg.workers);
  }

  /** Jobs a worker is running now (accepted jobs not waiting in the queue). */
  get busy(): number {
    return Math.min(this.cfg.workers, this.inflight.size);
  }

  /** Sets the cancel flag of every job in flight (shutdown past its grace period). */
  cancelAll(): void {
    for (const slot of this.inflight) Atomics.store(this.flags, slot, 1);
  }

  /** True when a new job would be refused for a full queue. */
  get saturated(): boolean {
    return this.queueSize >= this.cfg.maxQueue;
  }

  run<I extends JobInput>(input: I, options: RunOptions = {}): Promise<Extract<JobOutcome<JobResults[I['kind']]>, { ok: true }>> {
    if (this.inline.accepts(input)) return this.runInline(input) as never;
    const slot = this.saturated ? undefined : this.freeSlots.pop();
    if (slot === undefined) {
      this.hooks.onJob?.({ kind: input.kind, waitMs: 0, runMs: 0, outcome: 'rejected' });
      return Promise.reject(this.overloaded());
    }
    const deadlineMs = this.cfg.jobDeadlineMs;
    // The new keys first: on Node 20's V8 a spread followed by keys its source
    // lacks takes a slow path (~1.5 µs); JobInput has neither key.
    const job = { cancelSlot: slot, deadlineAt: Date.now() + deadlineMs, ...input } as Job;
    const submitted = performance.now();
    let task: Promise<JobOutcome<JobResults[I['kind']]>>;
    try {
      task = isSmall(job) ? this.batched(job) : this.piscina.run(alone(job), transferOptions(input));
    } catch (e) {
      this.release(slot);
      this.hooks.onJob?.({ kind: input.kind, waitMs: 0, runMs: 0, outcome: 'rejected' });
      return Promise.reject(this.mapPoolError(e));
    }
    this.inflight.add(slot);
    // One promise per job (this hot path ran ~8 µs with a deadline promise,
    // Promise.race and a catch chain): the first of the answer and the
    // deadline settles it. The slot is released only when the worker is
    // really done with the job, after a 504 too.
    return new Promise((resolve, reject) => {
      let answered = false;
      const cancel = () => Atomics.store(this.flags, slot, 1);
      const finish = () => {
        answered = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', cancel);
      };
      const timer = setTimeout(() => {
        if (answered) return;
        finish();
        cancel();
        reject(new ProblemError('deadlineExceeded', `the job ran longer than JOB_DEADLINE_MS (${deadlineMs} ms) and was stopped`));
      }, deadlineMs);
      options.signal?.addEventListener('abort', cancel, { once: true });
      task.then(
        (o) => {
          this.settled(slot, input.kind, submitted, o);
          if (answered) return;
          finish();
          if (o.ok) resolve(o as Extract<JobOutcome<JobResults[I['kind']]>, { ok: true }>);
          else reject(engineProblem(o.error));
        },
        (e: unknown) => {
          this.settled(slot, input.kind, submitted, undefined);
          if (answered) return;
          finish();
          reject(this.mapPoolError(e));
        },
      );
    });
  }

  /** A tiny job, run on this thread (pool/inline.ts) after the turn's I/O; reported like any other. */
  private readonly runInline = afterTurn<InlineInput, JobOutcome<unknown>>((all) => {
    for (const { item, resolve, reject } of all) {
      const o = this.inline.run(item);
      this.hooks.onJob?.({ kind: 'graph', waitMs: 0, runMs: o.ok ? o.ms : 0, outcome: outcomeOf(o, false) });
      if (o.ok) resolve(o);
      else reject(engineProblem(o.error));
    }
  });

  // Small jobs submitted in the same event-loop turn travel together: one
  // piscina task costs the main thread ~30-50 µs (its task bookkeeping, the
  // message, the wake-up), more than a small graph's whole run (~30 µs in the
  // engine). They are flushed after the turn's I/O, MAX_BATCH to a task, in
  // one buffer (worker/batch-wire.ts): one worker keeps up with what the main
  // thread can accept.
  private readonly batched = afterTurn<Job, JobOutcome<never>>((all) => {
    const tasks = Math.ceil(all.length / MAX_BATCH);
    for (let t = 0; t < tasks; t++) {
      const group = all.filter((_, i) => i % tasks === t);
      let batch: ReturnType<typeof encodeBatch>;
      try {
        batch = encodeBatch(group.map((g) => g.item as GraphJob));
      } catch (e) {
        // Never thrown for jobs isSmall() admits; a throw here (an immediate) would end the process.
        group.forEach((g) => g.reject(e));
        continue;
      }
      this.piscina.run(batch, { transferList: [batch.buf] as never }).then(
        (a: WireAnswers) => decodeAnswers(a).forEach((o, i) => group[i]!.resolve(o as JobOutcome<never>)),
        (e: unknown) => group.forEach((g) => g.reject(e)),
      );
    }
  });

  /** A slot is reused only once its worker is done with the job. */
  private release(slot: number): void {
    Atomics.store(this.flags, slot, 0);
    this.freeSlots.push(slot);
  }

  private settled(slot: number, kind: Job['kind'], submitted: number, o: { ok: boolean; ms?: number; error?: { code: string } } | undefined): void {
    this.inflight.delete(slot);
    const cancelled = Atomics.load(this.flags, slot) !== 0;
    this.release(slot);
    if (!this.hooks.onJob) return;
    const total = performance.now() - submitted;
    const runMs = typeof o?.ms === 'number' ? o.ms : 0;
    this.hooks.onJob({ kind, waitMs: Math.max(0, total - runMs), runMs, outcome: outcomeOf(o, cancelled) });
  }

  private mapPoolError(e: unknown): Error {
    if (e instanceof ProblemError) return e;
    const msg = String((e as Error)?.message ?? e);
    if (/queue is at limit|Task queue/i.test(msg)) return this.overloaded();
    return e instanceof Error ? e : new Error(msg);
  }

  private overloaded(): ProblemError {
    return new ProblemError('overloaded', `all ${this.cfg.workers} workers are busy and ${this.cfg.maxQueue} jobs are waiting; retry shortly`, undefined, { 'retry-after': '1' });
  }

  async close(): Promise<void> {
    await this.piscina.close();
  }
}

interface Pending<T, R> {
  item: T;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/**
 * Collects the calls of one event-loop turn and hands them to `flush`
 * together once the turn's I/O is done (setImmediate); each call's promise
 * settles through its entry. The batches to the workers and the inline runs
 * both go out this way, so a turn's answers leave together.
 */
function afterTurn<T, R>(flush: (all: Array<Pending<T, R>>) => void): (item: T) => Promise<R> {
  let pending: Array<Pending<T, R>> = [];
  const run = () => {
    const all = pending;
    pending = [];
    flush(all);
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      if (pending.push({ item, resolve, reject }) === 1) setImmediate(run);
    });
}

/** A job posted alone: packed data cut from a shared slab (ir/packed-slab.ts) is copied, or structured clone would copy the whole slab. */
function alone(job: Job): Job {
  if (job.kind !== 'graph' || !ArrayBuffer.isView(job.data) || job.data.byteLength === job.data.buffer.byteLength) return job;
  return { ...job, data: job.data.slice() };
}

/** A settled job's outcome for the metrics; `o` is undefined when the pool itself failed. */
function outcomeOf(o: { ok: boolean; error?: { code: string } } | undefined, cancelled: boolean): JobEvent['outcome'] {
  if (o?.ok) return 'ok';
  return o?.error?.code === 'GS_cancelled' || cancelled ? 'deadline' : 'error';
}

/** Jobs per piscina task at most, so a batch stays short (< 1e5 FLOPs each: ~1 ms in all). */
const MAX_BATCH = 32;

/** A graph job worth batching: small data (packed, copied) and a program whose
 * last run was cheap (its cost is known from an earlier answer). */
function isSmall(job: Job): boolean {
  if (job.kind !== 'graph' || job.dryRun || !ArrayBuffer.isView(job.data)) return false;
  const c = job.program.lastCost;
  return c !== undefined && c.flops <= SMALL_FLOPS && c.ops <= SMALL_OPS;
}
const SMALL_FLOPS = 1e5;
const SMALL_OPS = 500;

function uniqueBuffers<T>(list: T[]): T[] {
  return [...new Set(list)];
}

/** A worker-side engine error, still carrying its code and node index. */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly node: number | undefined,
  ) {
    super(message);
  }
}

function engineProblem(e: { code: string; message: string; node?: number }): EngineError {
  return new EngineError(e.code, e.message, e.node);
}
