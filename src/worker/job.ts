// The envelope one job travels in between the main thread and a worker.
// Tensor data are typed arrays whose buffers are transferred, not copied.
import type { IRBackward, IRInput, IRNode } from '../ir/ir.js';
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
  inputs: IRInput[];
  nodes: IRNode[];
  outputs: number[];
  backward: IRBackward | undefined;
  limits: JobLimits;
  /** Int32Array over a SharedArrayBuffer: the main thread stores 1 to cancel. */
  cancel: Int32Array;
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
  cancel: Int32Array;
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
  cancel: Int32Array;
  deadlineAt: number;
}

export type Job = GraphJob | OptimizerStepJob | OptimizeJob;

/** What each kind of job answers. */
export interface JobResults {
  graph: NativeResult;
  optimizerStep: NativeStepResult;
  optimize: NativeOptimizeResult;
}

export interface JobError {
  code: string;
  message: string;
  node?: number;
}

export type JobOutcome<R = NativeResult> = { ok: true; result: R; ms: number } | { ok: false; error: JobError };
