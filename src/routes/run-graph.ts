// Running a built IRGraph on the pool and answering with its tensors: the
// steps every compute route shares (/v1/graph, /v1/activations). Engine errors
// become problems located at the request place the failing node came from.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { encodeBinaryResponse, encodeResponseBytes } from '../encoding/index.js';
import { smallJsonAnswer } from '../encoding/encode-text.js';
import { fromEngineError, type Where } from '../errors.js';
import type { IRGraph } from '../ir/ir.js';
import { jobData, programOf } from '../ir/program-ref.js';
import { packedCost, unpackResult } from '../worker/packed-result.js';
import type { NativeResult } from '../native.js';
import { EngineError, type JobPool } from '../pool/pool.js';

export interface GraphRun {
  /** The engine's answer; a packed one is unpacked when this is first read. */
  readonly result: NativeResult;
  ms: number;
  /** A real run's packed answer (worker/packed-result.ts), for writers that read it directly. */
  packed?: ArrayBuffer | Uint8Array;
}

/**
 * A real run's answer, unpacked when first read. A class, not an object
 * literal with a getter: each such literal gets a hidden class (map) of its
 * own, and maps live in the old generation, so every answer's getter, and
 * the request the getter's closure held, outlived two young-generation GCs
 * and was promoted — ~280 KB per scavenge at 50 connections, whose copying
 * made scavenges about twice as long and filled the old generation for a
 * mark-compact every few seconds (bench/alloc-profile.js SURVIVORS=1;
 * node --trace-gc-nvp: "promoted").
 */
class PackedRun implements GraphRun {
  private unpacked: NativeResult | undefined;

  constructor(
    public ms: number,
    readonly packed: ArrayBuffer | Uint8Array,
  ) {}

  get result(): NativeResult {
    return (this.unpacked ??= unpackResult(this.packed));
  }
}

/**
 * Runs `graph` (its outputs and backward) on the pool with the configured
 * limits. `explain` may add a hint to an engine error before it becomes a problem.
 */
export async function runGraph(
  pool: JobPool,
  cfg: Config,
  graph: IRGraph,
  opts: { dryRun?: boolean; explain?: (e: EngineError) => void } = {},
): Promise<GraphRun> {
  const program = programOf(graph);
  try {
    const outcome = await pool.run({
      kind: 'graph',
      dryRun: opts.dryRun === true,
      program,
      data: jobData(graph),
      limits: {
        maxBytes: cfg.maxJobBytes,
        maxFlops: cfg.maxJobFlops,
        maxOps: cfg.maxJobOps,
        maxElements: cfg.maxTensorElements,
      },
    });
    const r = outcome.result;
    if (!(r instanceof ArrayBuffer || r instanceof Uint8Array)) return { result: r, ms: outcome.ms };
    const cost = packedCost(r);
    program.lastCost = { flops: cost.flops, ops: cost.ops };
    return new PackedRun(outcome.ms, r);
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    opts.explain?.(e);
    // An engine error outside every node comes from the final backward
    // (e.g. a non-scalar `of` without grad_output): point at /backward/of.
    if (e.node === undefined && graph.backward) throw fromEngineError(new EngineError(e.code, e.message, 0), () => ({ path: '/backward/of' }));
    throw fromEngineError(e, (n) => sourcePath(graph, n));
  }
}

/**
 * Sends an answer built with the engine's raw tensors in the form the client
 * asked for: binary framing (Accept: application/octet-stream), base64 or nested JSON.
 */
export function sendTensors(req: FastifyRequest, reply: FastifyReply, raw: Record<string, unknown>, encoding: 'json' | 'base64' | undefined, ms: number) {
  reply.header('x-job-ms', ms.toFixed(3));
  if (wantsBinary(req.headers.accept)) return reply.type('application/octet-stream').send(encodeBinaryResponse(raw) as never);
  // base64 answers are written as bytes with the base64 spliced in: no JSON
  // escaping scan and no UTF-16 -> UTF-8 pass over megabytes of text.
  if (encoding === 'base64') return reply.type('application/json; charset=utf-8').send(encodeResponseBytes(raw, 'base64') as never);
  // Small answers are written as text in one pass; larger ones as bytes with
  // the engine's number text spliced in.
  const text = smallJsonAnswer(raw);
  return reply.type('application/json; charset=utf-8').send((text ?? encodeResponseBytes(raw, 'json')) as never);
}

/** Accept: application/octet-stream asks for the binary (safetensors-style) framing. */
export function wantsBinary(accept: string | undefined): boolean {
  return accept !== undefined && /application\/octet-stream/i.test(accept) && !/application\/json/i.test(accept);
}

/** Where node n came from: a JSON pointer, with line and column in a program. */
export function sourcePath(graph: IRGraph, n: number): Where {
  const s = graph.sources[n];
  if (!s) return { path: '/' };
  return s.line !== undefined ? { path: s.path, line: s.line, ...(s.column !== undefined ? { column: s.column } : {}) } : { path: s.path };
}
