// GET /v1/ops: the op catalogue, straight from the engine's registry.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { opCatalogue } from '../registry/catalogue.js';

const OpArgSchema = z.object({
  name: z.string(),
  type: z.string().describe('Tensor, Tensor[], Scalar, int, int[], float, bool, str or ScalarType'),
  optional: z.boolean().describe('None is accepted'),
  default: z.unknown().optional(),
  keyword_only: z.boolean(),
});

const OpsResponseSchema = z.object({
  ops: z.array(
    z.object({
      name: z.string(),
      signature: z.string().describe('PyTorch-style schema'),
      args: z.array(OpArgSchema),
      returns: z.enum(['Tensor', 'Tensor[]']),
      differentiable: z.boolean(),
      doc: z.string(),
    }),
  ),
});

export function opsRoutes(app: FastifyInstance): void {
  let cached: string | undefined;
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/ops',
    {
      schema: {
        tags: ['graph'],
        summary: 'List every op of the graph language with its arguments and defaults',
        response: { 200: OpsResponseSchema },
      },
    },
    async (_req, reply): Promise<any> => {
      cached ??= JSON.stringify({
        ops: [...opCatalogue().values()]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((o) => ({
            name: o.name,
            signature: o.schema,
            args: o.args.map((a) => ({
              name: a.name,
              type: a.type + (a.optional ? '?' : ''),
              optional: a.optional,
              ...(a.hasDefault ? { default: Number.isFinite(a.default) || typeof a.default !== 'number' ? a.default : String(a.default) } : {}),
              keyword_only: a.kwOnly,
            })),
            returns: o.returns,
            differentiable: o.differentiable,
            doc: o.doc,
          })),
      });
      // Serialised once: the catalogue never changes while the process runs.
      return reply.type('application/json').send(cached as never);
    },
  );
}
