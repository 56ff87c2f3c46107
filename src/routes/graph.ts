// POST /v1/graph: compile, run on the pool (run-graph.ts), encode. Thin by design: the
// domain logic lives in ir/, program/ and the engine.
import type { FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config.js';
import type { GraphBody } from '../ir/compile.js';
import { GraphTextHit } from '../ir/body-template.js';
import { isPlainGraphBody } from '../ir/fast-hit.js';
import { GraphCompiler } from '../ir/graph-cache.js';
import type { IRGraph } from '../ir/ir.js';
import type { NativeResult, NativeSlot, NativeTensor } from '../native.js';
import type { BodyShortcuts } from '../json-body.js';
import type { JobPool } from '../pool/pool.js';
import { GraphRequestSchema, GraphResponseSchema, ProblemSchema } from '../schemas/graph.js';
import { binaryPayload } from './binary.js';
import { runGraph, sendTensors, wantsBinary } from './run-graph.js';

const problems = { 400: ProblemSchema, 413: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema, 504: ProblemSchema };

export function graphRoutes(app: FastifyInstance, cfg: Config, pool: JobPool, shortcuts?: BodyShortcuts): void {
  const compiler = new GraphCompiler(cfg);
  // A body whose text matches one seen before is read without JSON.parse (ir/body-template.ts).
  shortcuts?.set('/v1/graph', { read: (bytes) => compiler.matchText(bytes), parsed: (value, bytes) => compiler.parsedFrom(value, bytes) });
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/graph',
    {
      schema: {
        tags: ['graph'],
        summary: 'Evaluate a tensor graph; return values and gradients of any order',
        description:
          'The graph is a `program` (one `name = expression` per line) or a `nodes` list. Gradients: `backward`, or `grad`/`jacobian`/`hessian`/`vjp`/`jvp`/`hvp` ops inside the graph. `dry_run` checks and costs without computing.',
        body: GraphRequestSchema,
        response: { 200: GraphResponseSchema, ...problems },
      },
      // A body in the plain forms (a program, numbers and nested arrays) is
      // valid as it stands: zod's walk is skipped for it (ir/fast-hit.ts), as
      // for one a text template matched (the text of a body validated before).
      validatorCompiler: (route) => {
        const full = validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0]);
        return route.httpPart === 'body' ? (data: unknown) => (data instanceof GraphTextHit || isPlainGraphBody(data) ? { value: data } : full(data)) : full;
      },
    },
    async (req, reply): Promise<any> => {
      const body = req.body as (GraphBody & { encoding?: 'json' | 'base64' }) | GraphTextHit;
      const hit = body instanceof GraphTextHit;
      const graph = hit ? body.graph : compiler.compile(body, binaryPayload(req));
      const dryRun = !hit && body.dry_run === true;
      const encoding = body.encoding;
      const run = await runGraph(pool, cfg, graph, {
        dryRun,
        explain: (e) => {
          const o = graph.backwardOrigin;
          if (o?.implicit && e.code === 'GS_shape' && e.node === undefined && /implicitly created only for scalar/.test(e.message))
            e.message += `; without "backward", the gradient of the last output ('${o.ofName}') is taken: list a scalar (the loss) last in "outputs", or give "backward": {"of": ..., "grad_output": ...}`;
        },
      });
      const { ms } = run;
      if (dryRun) {
        const r = run.result;
        reply.header('x-job-ms', ms.toFixed(3));
        return dryRunAnswer(graph, r.slots, r.grads, r.cost);
      }
      // The answer is built once, when needed, with the engine's raw tensors.
      let raw: Record<string, unknown> | undefined;
      const answer = () => (raw ??= answerBody(graph, run.result));
      // A small JSON answer of a graph seen before: its template, filled from the packed result.
      if (run.packed && graph.answer && encoding !== 'base64' && !wantsBinary(req.headers.accept)) {
        const text = graph.answer.render(run.packed) ?? graph.answer.learn(run.packed, answer());
        if (text !== undefined) {
          reply.header('x-job-ms', ms.toFixed(3));
          return reply.type('application/json; charset=utf-8').send(text as never);
        }
      }
      // Written in the form the client asked for: binary framing, base64 or nested JSON.
      return sendTensors(req, reply, answer(), encoding, ms);
    },
  );
}

/** The answer object: outputs by name, and the gradients by name when the graph has a backward. */
function answerBody(graph: IRGraph, r: NativeResult): Record<string, unknown> {
  const outputs = record();
  for (const o of graph.outputs) outputs[o.name] = r.slots[o.slot] ?? null;
  const raw: Record<string, unknown> = { outputs };
  if (graph.backward) {
    const grads = record();
    graph.wrtNames.forEach((n, i) => {
      if (r.grads[i]) grads[n] = r.grads[i];
    });
    raw.grads = grads;
  }
  return raw;
}

function meta(s: NativeSlot): unknown {
  if (Array.isArray(s)) return s.map((t) => ({ shape: t.shape, dtype: t.dtype }));
  return s ? { shape: s.shape, dtype: s.dtype } : null;
}

function dryRunAnswer(graph: IRGraph, slots: NativeSlot[], grads: NativeTensor[], cost: { bytes: number; flops: number }) {
  const outputs = record();
  for (const [name, slot] of graph.names) outputs[name] = meta(slots[slot] ?? null);
  const res: Record<string, unknown> = { outputs, cost: { bytes: cost.bytes, flops: cost.flops } };
  if (graph.backward) {
    const g = record();
    graph.wrtNames.forEach((n, i) => {
      const t = grads[i];
      if (t) g[n] = { shape: t.shape, dtype: t.dtype };
    });
    res.grads = g;
  }
  return res;
}

/** A map from client-chosen names to values: no prototype, so a value named
 * '__proto__' is an ordinary key (on a plain {} it would set the prototype
 * and vanish from the JSON answer). */
function record(): Record<string, unknown> {
  return Object.create(null) as Record<string, unknown>;
}
