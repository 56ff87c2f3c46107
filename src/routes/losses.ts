// /v1/losses: the list, and one loss with its gradients. Each call builds a
// small graph (ir/compile-loss.ts) and runs it like /v1/graph (run-graph.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config.js';
import { decodeTensor, type HostTensor } from '../encoding/index.js';
import type { Val } from '../ir/builder.js';
import { optionFromJson } from '../ir/compile-activation.js';
import { pointer } from '../ir/compile.js';
import { compileLoss } from '../ir/compile-loss.js';
import type { JobPool } from '../pool/pool.js';
import { findLoss, losses } from '../registry/losses.js';
import { LossListSchema, LossNameSchema, LossRequestSchema, LossResponseSchema, ProblemSchema, lossExamples } from '../schemas/losses.js';
import { binaryPayload } from './binary.js';
import { runGraph, sendTensors } from './run-graph.js';

const problems = { 400: ProblemSchema, 404: ProblemSchema, 413: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema, 504: ProblemSchema };
const RESERVED = new Set(['wrt', 'grad_output', 'encoding']);

export function lossRoutes(app: FastifyInstance, cfg: Config, pool: JobPool): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const limits = { maxGraphNodes: cfg.maxGraphNodes, maxTensorElements: cfg.maxTensorElements };

  let list: string | undefined;
  r.get(
    '/v1/losses',
    { schema: { tags: ['losses'], summary: 'List the losses with their arguments and defaults', response: { 200: LossListSchema } } },
    async (_req, reply): Promise<any> => {
      list ??= JSON.stringify({
        losses: [...losses().values()].map((l) => ({
          name: l.name,
          alias: l.alias,
          signature: l.op.schema,
          arguments: l.args.map((a) => ({
            name: a.name,
            type: a.type + (a.optional ? '?' : ''),
            ...(a.hasDefault ? { default: typeof a.default === 'number' && !Number.isFinite(a.default) ? String(a.default) : a.default } : {}),
            required: !a.hasDefault,
          })),
          grads: l.grads,
          example: lossExamples[l.name],
        })),
      });
      return reply.type('application/json').send(list as never);
    },
  );

  r.post(
    '/v1/losses/:name',
    {
      schema: {
        tags: ['losses'],
        summary: 'A loss, its value and its gradients',
        description:
          'The body holds the torch.nn.functional arguments by name with PyTorch\'s defaults. `grads` holds the gradient with respect to every tensor argument PyTorch differentiates (`wrt` narrows or widens it); a non-scalar loss (`reduction: "none"`) is back-propagated with `grad_output` (default ones, as `loss.sum().backward()`).',
        params: LossNameSchema,
        body: LossRequestSchema,
        response: { 200: LossResponseSchema, ...problems },
      },
    },
    async (req, reply): Promise<any> => {
      const loss = findLoss(req.params.name);
      const body = req.body as Record<string, unknown>;
      const binary = binaryPayload(req);
      const decode = (v: unknown, path: string): HostTensor => decodeTensor(v, path, { maxElements: cfg.maxTensorElements, ...(binary ? { binary } : {}) });
      const tensors = new Map<string, HostTensor>();
      const options = new Map<string, Val>();
      const tensorArgs = new Set(loss.args.filter((a) => a.type === 'Tensor').map((a) => a.name));
      for (const [k, v] of Object.entries(body)) {
        if (RESERVED.has(k) || v === undefined) continue;
        const path = `/${pointer(k)}`;
        if (tensorArgs.has(k) && v !== null) tensors.set(k, decode(v, path));
        else options.set(k, optionFromJson(v, { path }));
      }
      const graph = compileLoss(
        {
          loss,
          tensors,
          options,
          wrt: Array.isArray(body.wrt) ? (body.wrt as string[]) : undefined,
          gradOutput: body.grad_output === undefined || body.grad_output === null ? undefined : decode(body.grad_output, '/grad_output'),
          where: (what) => ({ path: what === '' ? '/' : `/${pointer(what)}` }),
        },
        limits,
      );
      const { result, ms } = await runGraph(pool, cfg, graph);
      const grads: Record<string, unknown> = Object.create(null);
      graph.wrtNames.forEach((n, i) => {
        if (result.grads[i]) grads[n] = result.grads[i];
      });
      return sendTensors(req, reply, { loss: result.slots[graph.outputs[0]!.slot], grads }, body.encoding as 'json' | 'base64' | undefined, ms);
    },
  );
}
