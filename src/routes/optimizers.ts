// GET /v1/optimizers, GET /v1/schedulers (both from the engine's registry)
// and POST /v1/optimizers/{name}/step: decode, check names and shapes, run
// the update kernels on the pool, encode. The engine checks hyper-parameters
// and the state with PyTorch's messages.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../config.js';
import { decodeTensor, encodeResponseBytes, shapeStr } from '../encoding/index.js';
import { fromEngineError, ProblemError, problemAt } from '../errors.js';
import { pointer } from '../ir/compile.js';
import { findOptimizer, optimizerCatalogue, schedulerCatalogue } from '../optim/catalogue.js';
import { buildGroups, decodeState, paramGroupsByName, stateByName, type StateDict } from '../optim/state.js';
import { EngineError, type JobPool } from '../pool/pool.js';
import {
  OptimizersResponseSchema,
  OptimizerStepRequestSchema,
  OptimizerStepResponseSchema,
  ProblemSchema,
  SchedulersResponseSchema,
} from '../schemas/optim.js';
import type { JobTensor } from '../worker/job.js';

const problems = { 400: ProblemSchema, 404: ProblemSchema, 413: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema, 504: ProblemSchema };
const RESERVED = new Set(['params', 'grads', 'state', 'param_groups', 'steps', 'encoding']);

export function optimizerRoutes(app: FastifyInstance, cfg: Config, pool: JobPool): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  let optimizersJson: string | undefined;
  let schedulersJson: string | undefined;

  r.get(
    '/v1/optimizers',
    { schema: { tags: ['optimizers'], summary: 'List the optimizers with their hyper-parameters and defaults', response: { 200: OptimizersResponseSchema } } },
    async (_req, reply): Promise<any> => {
      optimizersJson ??= JSON.stringify({ optimizers: optimizerCatalogue() });
      return reply.type('application/json').send(optimizersJson as never);
    },
  );

  r.get(
    '/v1/schedulers',
    { schema: { tags: ['optimizers'], summary: 'List the learning-rate schedulers with their options and defaults', response: { 200: SchedulersResponseSchema } } },
    async (_req, reply): Promise<any> => {
      schedulersJson ??= JSON.stringify({ schedulers: schedulerCatalogue() });
      return reply.type('application/json').send(schedulersJson as never);
    },
  );

  r.post(
    '/v1/optimizers/:name/step',
    {
      schema: {
        tags: ['optimizers'],
        summary: 'Update parameters with an optimizer; the state round-trips (state_dict shape)',
        description:
          'Hyper-parameters by their torch.optim names at the top level (or per `param_groups` entry). `state` is what a previous call returned: three calls of one step equal one call of `"steps": 3`.',
        params: z.object({ name: z.string().describe('sgd asgd rprop adagrad adadelta rmsprop adam adamw adamax nadam radam sparse_adam') }),
        body: OptimizerStepRequestSchema,
        response: { 200: OptimizerStepResponseSchema, ...problems },
      },
    },
    async (req, reply): Promise<any> => {
      const info = findOptimizer((req.params as { name: string }).name);
      if (info.closure)
        throw new ProblemError('invalidArgument', `${info.class} needs a closure (it re-evaluates the loss), so it runs in POST /v1/optimize`);
      const body = req.body as Record<string, unknown> & {
        params: Record<string, unknown>;
        grads: Record<string, unknown>;
        state?: StateDict | null;
        param_groups?: Array<Record<string, unknown>>;
        steps?: number;
        encoding?: 'json' | 'base64';
      };
      const steps = body.steps ?? 1;
      if (steps > cfg.maxOptimizeSteps)
        throw problemAt('tooLarge', '/steps', `steps (${steps}) is more than MAX_OPTIMIZE_STEPS (${cfg.maxOptimizeSteps})`);
      const names = Object.keys(body.params);
      if (names.length === 0) throw problemAt('invalidArgument', '/params', 'give at least one parameter');
      for (const n of Object.keys(body.grads))
        if (!(n in body.params)) throw problemAt('unknownName', `/grads/${pointer(n)}`, `a gradient for '${n}', which is not among the parameters (${names.join(', ')})`);
      const params: JobTensor[] = [];
      const grads: JobTensor[] = [];
      let elements = 0;
      for (const n of names) {
        const p = decodeTensor(body.params[n], `/params/${pointer(n)}`, { maxElements: cfg.maxTensorElements });
        if (!(n in body.grads)) throw problemAt('unknownName', '/grads', `no gradient for parameter '${n}'; params and grads need the same names`);
        const g = decodeTensor(body.grads[n], `/grads/${pointer(n)}`, { maxElements: cfg.maxTensorElements });
        if (p.dtype !== 'float32' && p.dtype !== 'float64')
          throw problemAt('dtypeMismatch', `/params/${pointer(n)}`, `parameter '${n}' must be float32 or float64, not ${p.dtype}`);
        if (g.shape.length !== p.shape.length || g.shape.some((d, i) => d !== p.shape[i]))
          throw problemAt('shapeMismatch', `/grads/${pointer(n)}`, `the gradient of '${n}' has shape ${shapeStr(g.shape)} but the parameter has shape ${shapeStr(p.shape)}`);
        params.push({ dtype: p.dtype, shape: p.shape, data: p.data! });
        grads.push({ dtype: g.dtype, shape: g.shape, data: g.data! });
        elements += p.data!.length;
      }
      if (elements * steps * 20 > cfg.maxJobFlops)
        throw new ProblemError('tooLarge', `${steps} steps over ${elements} parameter elements would exceed MAX_JOB_FLOPS (${cfg.maxJobFlops})`);
      const options: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(body)) if (!RESERVED.has(k)) options[k] = v;
      const optimizer = buildGroups(info.name, options, body.param_groups, names, '/param_groups');
      let outcome;
      try {
        outcome = await pool.run({
          kind: 'optimizerStep',
          optimizer,
          names,
          params,
          grads,
          state: decodeState(body.state, names, cfg),
          steps,
          limits: { maxBytes: cfg.maxJobBytes, maxFlops: cfg.maxJobFlops, maxOps: cfg.maxJobOps, maxElements: cfg.maxTensorElements },
        });
      } catch (e) {
        if (e instanceof EngineError) throw fromEngineError(e);
        throw e;
      }
      const res = outcome.result;
      const out: Record<string, unknown> = {};
      names.forEach((n, i) => (out[n] = res.params[i]));
      // As bytes: large tensors' numbers (or base64) never pass through JSON.stringify.
      const answer = encodeResponseBytes(
        { params: out, state: { state: stateByName(res.state, names), param_groups: paramGroupsByName(info.name, res.groups, names) } },
        body.encoding === 'base64' ? 'base64' : 'json',
      );
      return reply.type('application/json; charset=utf-8').send(answer as never);
    },
  );
}
