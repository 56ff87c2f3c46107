// Loads the native engine (build/Release/gradserve.node, built by node-gyp at
// `npm ci`). This file and src/worker/ are the only users of the addon.
import { createRequire } from 'node:module';
import { configureBlasEnv } from './blas-env.js';

export interface NativeTensor {
  shape: number[];
  dtype: string;
  /** The bytes: an ArrayBuffer, or a view into a packed result (see worker/packed-result.ts). */
  data?: ArrayBuffer | Uint8Array;
}

export type NativeSlot = NativeTensor | NativeTensor[] | null;

export interface NativeResult {
  slots: NativeSlot[];
  grads: NativeTensor[];
  cost: { bytes: number; flops: number; ops: number };
}

export interface NativeOpInfo {
  schema: string;
  doc: string;
  differentiable: boolean;
  autograd: boolean;
}

/** A hyper-parameter of an optimizer or scheduler, from the engine's registry. */
export interface NativeHyper {
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
  doc: string;
}

export interface NativeOptimizerInfo {
  name: string;
  class: string;
  doc: string;
  closure: boolean;
  hyperparameters: NativeHyper[];
}

export interface NativeSchedulerInfo {
  name: string;
  class: string;
  doc: string;
  hyperparameters: NativeHyper[];
}

/** A parameter's state as the engine writes it: numbers, tensors, lists of either, or null. */
export type NativeStateValue = number | null | NativeTensor | NativeTensor[] | number[];
export type NativeParamState = Record<string, NativeStateValue>;

export interface NativeGroup {
  params: number[];
  options: Record<string, unknown>;
}

export interface NativeStepResult {
  params: NativeTensor[];
  state: NativeParamState[];
  groups: NativeGroup[];
}

export interface NativeOptimizeResult extends NativeStepResult {
  loss: ArrayBuffer; // float64, one per step
  lr: ArrayBuffer; // float64, one per step
  records: NativeTensor[]; // one per recorded name, shape [steps, ...]
  cost: { bytes: number; flops: number; ops: number };
}

/** A program the engine has read once (addon.prepare); opaque to JS. */
export type NativePrepared = { readonly __prepared: unique symbol };

export interface NativeRunControl {
  limits: { maxBytes: number; maxFlops: number; maxOps: number; maxElements: number };
  cancel: Int32Array;
  deadlineMs?: number;
}

export interface NativeAddon {
  run(job: unknown): NativeResult;
  /** Reads an IR once: {inputs (constants carry data), nodes, outputs, backward}. */
  prepare(ir: unknown): NativePrepared;
  /** Runs a prepared program on the data of its non-constant inputs, in order.
   * `check` first costs it on shapes alone; `dryRun` only does that (and answers
   * every slot's shape). A real run answers one packed ArrayBuffer (unpackResult). */
  runPrepared(p: NativePrepared, data: unknown[] | ArrayBufferView, opts: NativeRunControl & { dryRun?: boolean; check?: boolean }): NativeResult | ArrayBuffer;
  optimizerStep(job: unknown): NativeStepResult;
  optimize(job: unknown): NativeOptimizeResult;
  listOptimizers(): NativeOptimizerInfo[];
  listSchedulers(): NativeSchedulerInfo[];
  listOps(): NativeOpInfo[];
  setBlas(on: boolean): boolean;
  blasInfo(): { available: boolean; enabled: boolean; core: string };
}

let cached: NativeAddon | undefined;

export function loadAddon(): NativeAddon {
  if (!cached) {
    configureBlasEnv();
    // Same relative path from src/ (tests) and dist/ (the built service).
    const require = createRequire(import.meta.url);
    // GS_ADDON: another build of the addon (scripts/sanitizers.sh loads an ASan/UBSan one).
    cached = require(process.env.GS_ADDON || '../build/Release/gradserve.node') as NativeAddon;
  }
  return cached;
}
