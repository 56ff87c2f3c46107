// The envelope one job travels in between the main thread and a worker.
// Tensor data are typed arrays whose buffers are transferred, not copied.
import type { IRBackward, IRInput, IRNode } from '../ir/ir.js';
import type { NativeResult } from '../native.js';

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

export interface JobError {
  code: string;
  message: string;
  node?: number;
}

export type JobOutcome = { ok: true; result: NativeResult; ms: number } | { ok: false; error: JobError };
