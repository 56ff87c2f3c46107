// Loads the native engine (build/Release/gradserve.node, built by node-gyp at
// `npm ci`). This file and src/worker/ are the only users of the addon.
import { createRequire } from 'node:module';
import { configureBlasEnv } from './blas-env.js';

export interface NativeTensor {
  shape: number[];
  dtype: string;
  data?: ArrayBuffer;
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

export interface NativeAddon {
  run(job: unknown): NativeResult;
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
