// POST /v1/optimize: the training loop of API.md. The graph is compiled once
// here; the loop itself (evaluate, backward, optimizer step, scheduler step)
// runs in one job inside the engine. The answer is JSON, an NDJSON stream of
// per-step records (Accept: application/x-ndjson) or an SVG loss curve
// (Accept: image/svg+xml).
import { PassThrough } from 'node:stream';
import { MessageChannel } from 'node:worker_threads';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config.js';
import { encodeResponse, toNested, type DType } from '../encoding/index.js';
import { fromEngineError, ProblemError, problemAt, type Where } from '../errors.js';
import { compileGraph, type GraphBody } from '../ir/compile.js';
import type { IRGraph } from '../ir/ir.js';
import type { NativeOptimizeResult } from '../native.js';
import { checkSchedulerNames, findOptimizer } from '../optim/catalogue.js';
import { buildGroups, decodeState, paramGroupsByName, stateByName, type StateDict } from '../optim/state.js';
import { lossCurveSvg } from '../plot/loss-curve.js';
import { EngineError, type JobPool } from '../pool/pool.js';
import { OptimizeRequestSchema, OptimizeResponseSchema, ProblemSchema } from '../schemas/optim.js';
import type { OptimizeJob } from '../worker/job.js';
import { binaryPayload } from './binary.js';

const problems = { 400: ProblemSchema, 404: ProblemSchema, 413: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema, 504: ProblemSchema };

interface OptimizeBody extends GraphBody {
  loss: string;
  optimizer: Record<string, unknown> & { name: string; param_groups?: Array<Record<string, unknown>> };
  scheduler?: Record<string, unknown> | null;
  steps: number;
  record?: string[];
  state?: StateDict | null;
  encoding?: 'json' | 'base64';
}

type Answer = 'json' | 'ndjson' | 'svg';

function answerKind(accept: string | undefined): Answer {
  if (!accept) return 'json';
  if (/application\/x-ndjson/i.test(accept)) return 'ndjson';
  if (/image\/svg\+xml/i.test(accept) && !/application\/json/i.test(accept)) return 'svg';
  return 'json';
}

const num = (v: number): number | string => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity');

export function optimizeRoutes(app: FastifyInstance, cfg: Config, pool: JobPool): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/v1/optimize',
    {
      schema: {
        tags: ['optimizers'],
        summary: 'Run an optimisation loop on a graph (optimizer, scheduler, history)',
        description:
          'Parameters are the inputs with `requires_grad`. Each step evaluates the graph, back-propagates `loss`, steps the optimizer, then the scheduler — as a PyTorch loop. `Accept: application/x-ndjson` streams one `{step, loss, lr}` line per step and the result last; `Accept: image/svg+xml` answers the loss curve.',
        body: OptimizeRequestSchema,
        response: { 200: OptimizeResponseSchema, ...problems },
      },
    },
    async (req, reply): Promise<any> => {
      const body = req.body as OptimizeBody;
      const info = findOptimizer(body.optimizer.name);
      if (body.steps > cfg.maxOptimizeSteps)
        throw problemAt('tooLarge', '/steps', `steps (${body.steps}) is more than MAX_OPTIMIZE_STEPS (${cfg.maxOptimizeSteps})`);
      if (body.scheduler) checkSchedulerNames(body.scheduler);
      const record = body.record ?? [];
      const graph = compileGraph(
        { inputs: body.inputs, ...(body.program !== undefined ? { program: body.program } : {}), ...(body.nodes !== undefined ? { nodes: body.nodes } : {}), outputs: [...record, body.loss] },
        cfg,
        binaryPayload(req),
      );
      if (!graph.backward || graph.wrtNames.length === 0)
        throw problemAt('invalidArgument', '/inputs', 'nothing to optimise: mark the parameters among the inputs with "requires_grad": true');
      const names = graph.wrtNames;
      const { name: _name, param_groups, ...options } = body.optimizer;
      const optimizer = buildGroups(info.name, options, param_groups, names, '/optimizer/param_groups');
      const kind = answerKind(req.headers.accept);
      const job: Omit<OptimizeJob, 'cancelSlot' | 'deadlineAt'> = {
        kind: 'optimize',
        inputs: graph.inputs,
        nodes: graph.nodes,
        params: graph.backward.wrt,
        paramNames: names,
        loss: graph.outputs[graph.outputs.length - 1]!.slot,
        lossName: body.loss,
        record: graph.outputs.slice(0, record.length).map((o) => o.slot),
        recordNames: record,
        optimizer,
        scheduler: body.scheduler ?? undefined,
        state: decodeState(body.state, names, cfg),
        steps: body.steps,
        limits: { maxBytes: cfg.maxJobBytes, maxFlops: cfg.maxJobFlops, maxOps: cfg.maxJobOps, maxElements: cfg.maxTensorElements },
      };
      const locate = (n: number): Where => sourcePath(graph, n);
      const encoding = body.encoding === 'base64' ? 'base64' : 'json';
      const answer = (r: NativeOptimizeResult) => resultBody(r, info.name, names, record, encoding);
      if (kind === 'ndjson') return streamNdjson(req, reply, pool, job, locate, answer);
      let outcome;
      try {
        outcome = await pool.run(job);
      } catch (e) {
        if (e instanceof EngineError) throw fromEngineError(e, locate);
        throw e;
      }
      reply.header('x-job-ms', outcome.ms.toFixed(3));
      if (kind === 'svg') {
        const loss = Array.from(new Float64Array(outcome.result.loss));
        const lr = Array.from(new Float64Array(outcome.result.lr));
        return reply.type('image/svg+xml').send(lossCurveSvg({ loss, lr, title: `${info.class}: loss of '${body.loss}' per step` }) as never);
      }
      return answer(outcome.result);
    },
  );
}

function resultBody(r: NativeOptimizeResult, optimizer: string, names: string[], record: string[], encoding: 'json' | 'base64'): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  names.forEach((n, i) => (params[n] = r.params[i]));
  const history: Record<string, unknown> = {
    loss: Array.from(new Float64Array(r.loss), num),
    lr: Array.from(new Float64Array(r.lr), num),
  };
  record.forEach((n, i) => {
    const t = r.records[i]!;
    history[n] = toNested(t.dtype as DType, t.shape, new Uint8Array(t.data!));
  });
  const body = encodeResponse({ params, state: { state: stateByName(r.state, names), param_groups: paramGroupsByName(optimizer, r.groups, names) } }, encoding);
  return { params: body.params, history, state: body.state };
}

/**
 * NDJSON: one {step, loss, lr} line per step as the engine reports them
 * (through a MessagePort the worker posts batches to), then the result.
 * Errors before the first step are ordinary problem responses; later ones
 * end the stream with a problem object as the last line.
 */
async function streamNdjson(
  _req: FastifyRequest,
  reply: FastifyReply,
  pool: JobPool,
  job: Omit<OptimizeJob, 'cancelSlot' | 'deadlineAt'>,
  locate: (n: number) => Where,
  answer: (r: NativeOptimizeResult) => Record<string, unknown>,
): Promise<unknown> {
  const { port1, port2 } = new MessageChannel();
  const abort = new AbortController();
  const out = new PassThrough();
  let written = 0;
  let started = false;
  let finished = false;
  let onFirst: (() => void) | undefined;
  const first = new Promise<void>((resolve) => (onFirst = resolve));
  port2.on('message', (batch: Array<{ step: number; loss: number; lr: number }>) => {
    if (finished) return;
    for (const rec of batch) {
      if (rec.step < written) continue;
      out.write(JSON.stringify({ step: rec.step, loss: num(rec.loss), lr: num(rec.lr) }) + '\n');
      written = rec.step + 1;
    }
    started = true;
    onFirst?.();
  });
  // The response closing before the last line means the client went away:
  // cancel the job so the worker is free at once.
  reply.raw.on('close', () => {
    if (!finished) abort.abort();
  });
  const everyStep = Math.max(1, Math.floor(job.steps / 1000));
  const run = pool.run({ ...job, progress: port1, progressEvery: everyStep }, { signal: abort.signal });
  // Wait for the first step (or the end): errors found before any step
  // (limits, bad state, bad options) keep their HTTP status.
  const settled = await Promise.race([run.then(() => 'done' as const, () => 'failed' as const), first.then(() => 'started' as const)]);
  if (settled === 'failed' && !started) {
    port2.close();
    try {
      await run;
    } catch (e) {
      if (e instanceof EngineError) throw fromEngineError(e, locate);
      throw e;
    }
  }
  run.then(
    (outcome) => {
      const r = outcome.result;
      const loss = new Float64Array(r.loss), lr = new Float64Array(r.lr);
      for (let k = written; k < loss.length; k++) out.write(JSON.stringify({ step: k, loss: num(loss[k]!), lr: num(lr[k]!) }) + '\n');
      finished = true;
      port2.close();
      out.end(JSON.stringify(answer(r)) + '\n');
    },
    (e) => {
      finished = true;
      port2.close();
      const p = e instanceof EngineError ? fromEngineError(e, locate) : e instanceof ProblemError ? e : new ProblemError('internal', 'the optimisation failed unexpectedly');
      out.end(JSON.stringify(p.toJSON()) + '\n');
    },
  );
  return reply.type('application/x-ndjson').send(out);
}

function sourcePath(graph: IRGraph, n: number): Where {
  const s = graph.sources[n];
  if (!s) return { path: '/' };
  return s.line !== undefined ? { path: s.path, line: s.line, ...(s.column !== undefined ? { column: s.column } : {}) } : { path: s.path };
}
