// The IR: one flat op list over numbered slots, the form both the program
// text and the `nodes` list compile to, and what a worker hands the engine.
// Slots 0..inputs.length-1 hold inputs (given tensors and constants); node i
// writes slot inputs.length + i.
import type { AnswerTemplate } from '../encoding/answer-template.js';
import type { DType, TensorData } from '../encoding/index.js';
import type { ProgramRef } from './program-ref.js';

/** A tensor argument reads a slot; a Tensor[] argument reads several. */
export type IRArg = { t: number } | { tl: number[] } | number | boolean | string | null | number[];

export interface IRInput {
  dtype: DType;
  shape: number[];
  data: TensorData | undefined; // undefined in a dry run given shape and dtype only
  requiresGrad: boolean;
  wrapped: boolean; // a Python number in a program: lowest type-promotion priority
  /** A literal of the program (not request data): part of the program itself. */
  constant?: boolean;
}

export interface IRNode {
  op: string;
  args: IRArg[];
}

/** Where a node came from, to point errors at the request. */
export interface IRSource {
  path: string;
  line?: number;
  column?: number;
  label: string;
}

export interface IRBackward {
  of: number;
  wrt: number[];
  gradOutput?: number;
}

/** How the backward request was made, for error hints. */
export interface BackwardOrigin {
  implicit: boolean;
  ofName: string;
}

export interface IRGraph {
  inputs: IRInput[];
  nodes: IRNode[];
  sources: IRSource[]; // one per node
  /** Named values (inputs and assignments) and the slot each names. */
  names: Map<string, number>;
  outputs: Array<{ name: string; slot: number }>;
  backward: IRBackward | undefined;
  wrtNames: string[];
  backwardOrigin: BackwardOrigin | undefined;
  /** The program as workers receive it, once interned (see program-ref.ts). */
  program?: ProgramRef;
  /** This request's input data, packed as jobData packs it, when it was decoded straight
   * into one buffer (ir/fast-hit.ts); the inputs then carry no data. */
  packed?: Uint8Array;
  /** The JSON answer's template, shared by every request that reuses this compiled graph (graph-cache.ts). */
  answer?: AnswerTemplate;
}
