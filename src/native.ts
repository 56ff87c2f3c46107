// Loads the native engine (build/Release/gradserve.node, built by node-gyp at
// `npm ci`). This file and src/worker/ are the only users of the addon, but
// for the catalogues (src/optim/) and JSON answers' number text (src/encoding/encode.ts).
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

/** runPrepared's options as one Float64Array (read in one step by the addon). */
export interface RunPreparedOptions {
  limits?: NativeRunControl['limits'];
  deadlineMs?: number;
  dryRun?: boolean;
  /** Cost the program on shapes alone first, and stop before any kernel when it is over a limit. */
  check?: boolean;
}

/** Length of runPrepared's control block: flags, deadlineMs, then the four limits. */
export const RUN_CONTROL_LENGTH = 6;

/** Writes `o` into a runPrepared control block (a new one unless `into` is given). */
export function runControl(o: RunPreparedOptions, into = new Float64Array(RUN_CONTROL_LENGTH)): Float64Array {
  into[0] = (o.dryRun ? 1 : 0) | (o.check ? 2 : 0);
  into[1] = o.deadlineMs ?? 0;
  into[2] = o.limits?.maxBytes ?? Infinity;
  into[3] = o.limits?.maxFlops ?? Infinity;
  into[4] = o.limits?.maxOps ?? Infinity;
  into[5] = o.limits?.maxElements ?? Infinity;
  return into;
}

export interface NativeAddon {
  run(job: unknown): NativeResult;
  /** Reads an IR once: {inputs (constants carry data), nodes, outputs, backward}. */
  prepare(ir: unknown): NativePrepared;
  /** Runs a prepared program on the data of its non-constant inputs, in order.
   * `check` first costs it on shapes alone; `dryRun` only does that (and answers
   * every slot's shape). A real run answers one packed ArrayBuffer (unpackResult). */
  runPrepared(p: NativePrepared, data: unknown[] | ArrayBufferView, control: Float64Array, cancel?: Int32Array): NativeResult | ArrayBuffer;
  optimizerStep(job: unknown): NativeStepResult;
  optimize(job: unknown): NativeOptimizeResult;
  listOptimizers(): NativeOptimizerInfo[];
  listSchedulers(): NativeSchedulerInfo[];
  listOps(): NativeOpInfo[];
  setBlas(on: boolean): boolean;
  blasInfo(): { available: boolean; enabled: boolean; core: string };
  /** GFLOP/s of an n³ float32 product with each backend (best of `reps`; blas 0 when not linked). */
  gemmSpeeds(n: number, reps: number): { builtin: number; blas: number };
  /** UTF-8 of pieces[0] + data(tensors[0]) + pieces[1] + ... with each tensor's data as nested JSON text (native/json_text.h). */
  jsonAnswer(pieces: string[], tensors: Array<{ dtype: string; shape: number[]; data: ArrayBufferView }>): Uint8Array;
  /** glibc mallopt(M_MMAP_THRESHOLD, M_TRIM_THRESHOLD), process-wide; false when not glibc. */
  tuneMalloc(mmapThreshold: number, trimThreshold: number): boolean;
  /** Whether bytes are `skeleton` with a JSON number token in each gap (pieces end at pieceEnds); the numbers' values into `values`. */
  matchJsonTemplate(bytes: Uint8Array, skeleton: Uint8Array, pieceEnds: Int32Array, values: Float64Array): boolean;
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
