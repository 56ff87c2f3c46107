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

export interface NativeAddon {
  run(job: unknown): NativeResult;
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
    cached = require('../build/Release/gradserve.node') as NativeAddon;
  }
  return cached;
}
