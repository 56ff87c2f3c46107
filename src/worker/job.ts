// The envelope one job travels in between the main thread and a worker.
// Tensor data are typed arrays whose buffers are transferred, not copied.
import type { IRInput, IRNode } from '../ir/ir.js';
import type { ProgramRef } from '../ir/program-ref.js';
import type { MessagePort } from 'node:worker_threads';
import type { DType, TensorData } from '../encoding/index.js';
import type { NativeOptimizeResult, NativeResult, NativeStepResult } from '../native.js';

export interface JobLimits {
  maxBytes: number;
  maxFlops: number;
  maxOps: number;
  maxElements: number;
}

export interface GraphJob {
  kind: 'graph';
  dryRun: boolean;
  /** The op list, input shapes, constants, outputs and backward: read once per worker. */
  program: ProgramRef;
  /** Data of the program's non-constant inputs, in order (undefined in a dry run given
   * shapes only), or all of them packed in one buffer at 8-byte aligned offsets. */
  data: Array<TensorData | undefined> | Uint8Array;
  limits: JobLimits;
  /** This job's cancel flag in WorkerData.cancelFlags: the main thread stores 1 to cancel. */
  cancelSlot: number;
  /** Wall-clock time (Date.now()) after which the engine stops. */
  deadlineAt: number;
}

/** A tensor handed to the engine as it is: dtype, shape, typed array. */
export interface JobTensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

/** A parameter's state on its way to the engine (see NativeStateValue). */
export type JobStateValue = number | null | JobTensor | JobTensor[] | number[];

export interface JobOptimizer {
  name: string;
  /** Each group: parameter indices and its options (defaults are the engine's). */
  groups: Array<{ params: number[]; options: Record<string, unknown> }>;
}

/** POST /v1/optimizers/{name}/step: `steps` updates with fixed gradients. */
export interface OptimizerStepJob {
  kind: 'optimizerStep';
  optimizer: JobOptimizer;
  names: string[];
  params: JobTensor[];
  grads: JobTensor[];
  state: Array<Record<string, JobStateValue> | null> | null;
  steps: number;
  limits: JobLimits;
  cancelSlot: number;
  deadlineAt: number;
}

/** POST /v1/optimize: the whole training loop, in the engine. */
export interface OptimizeJob {
  kind: 'optimize';
  inputs: IRInput[];
  nodes: IRNode[];
  params: number[];
  paramNames: string[];
  loss: number;
  lossName: string;
  record: number[];
  recordNames: string[];
  optimizer: JobOptimizer;
  scheduler: Record<string, unknown> | undefined;
  state: Array<Record<string, JobStateValue> | null> | null;
  steps: number;
  limits: JobLimits;
  /** When given, per-step records ({step, loss, lr}[]) are posted here in batches. */
  progress?: MessagePort;
  progressEvery?: number;
  cancelSlot: number;
  deadlineAt: number;
}

/** What every worker is started with (piscina workerData). */
export interface WorkerData {
  /** Int32 flags, one per job slot; a job's is at index cancelSlot. */
  cancelFlags: SharedArrayBuffer;
}

export type Job = GraphJob | OptimizerStepJob | OptimizeJob;

/** What each kind of job answers. */
export interface JobResults {
  /** A dry run's slots, or a real run's packed answer (worker/packed-result.ts),
   * alone or as a view into a batch's answer buffer (worker/batch-wire.ts). */
  graph: NativeResult | ArrayBuffer | Uint8Array;
  optimizerStep: NativeStepResult;
  optimize: NativeOptimizeResult;
}

export interface JobError {
  code: string;
  message: string;
  node?: number;
}

export type JobOutcome<R = NativeResult> = { ok: true; result: R; ms: number } | { ok: false; error: JobError };
