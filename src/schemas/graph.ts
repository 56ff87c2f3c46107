// POST /v1/graph request and response schemas.
import { z } from 'zod';
import { ProblemSchema, TensorInputSchema, TensorMetaSchema, TensorOutputSchema } from './tensor.js';

export const graphExamples = {
  mse: {
    summary: 'mse_loss(x * w, y) and its gradient',
    value: {
      inputs: { x: 1.0, w: { data: 2.0, requires_grad: true }, y: 1.0 },
      program: 'p = x * w\nloss = mse_loss(p, y)',
      outputs: ['loss', 'p'],
      backward: { of: 'loss', wrt: ['w'] },
    },
  },
  nodes: {
    summary: 'the same graph as a node list',
    value: {
      inputs: { x: 1.0, w: { data: 2.0, requires_grad: true }, y: 1.0 },
      nodes: [
        { id: 'p', op: 'mul', args: ['x', 'w'] },
        { id: 'loss', op: 'mse_loss', args: ['p', 'y'], kwargs: { reduction: 'mean' } },
      ],
      outputs: ['loss', 'p'],
    },
  },
  secondOrder: {
    summary: 'second derivative of x * x * y',
    value: { inputs: { x: 3.0, y: 2.0 }, program: 'z = x * x * y\ndz = grad(z, x)\nd2z = grad(dz, x)', outputs: ['z', 'dz', 'd2z'] },
  },
  dryRun: {
    summary: 'shapes and cost only',
    value: { inputs: { a: { shape: [256, 784], dtype: 'float32' }, b: { shape: [784, 512], dtype: 'float32' } }, program: 'c = a @ b', dry_run: true },
  },
};

const ArgSchema = z.unknown().describe('a tensor name (string), number, boolean, null or array');

export const NodeSchema = z
  .object({
    id: z.string().min(1).describe('the name of this node\'s result'),
    op: z.string().min(1).describe('an op of GET /v1/ops'),
    args: z.array(ArgSchema).optional(),
    kwargs: z.record(z.string(), ArgSchema).optional(),
  })
  .meta({ id: 'Node' });

export const GraphRequestSchema = z
  .object({
    inputs: z.record(z.string(), TensorInputSchema).default({}).describe('named input tensors'),
    program: z.string().optional().describe('the graph as a program: one `name = expression` per line'),
    nodes: z.array(NodeSchema).optional().describe('the graph as a node list'),
    outputs: z.array(z.string()).optional().describe('names to return (default: the last assigned name)'),
    backward: z
      .object({
        of: z.string().optional().describe('the value to differentiate (default: the last output)'),
        wrt: z.array(z.string()).optional().describe('inputs or intermediates (default: inputs with requires_grad)'),
        grad_output: TensorInputSchema.optional().describe('needed when `of` is not a scalar'),
      })
      .optional(),
    dry_run: z.boolean().optional().describe('check and cost the graph without computing it'),
    encoding: z.enum(['json', 'base64']).optional().describe('how response tensors are written'),
  })
  .meta({ id: 'GraphRequest', examples: Object.values(graphExamples).map((e) => e.value) });

export const GraphResponseSchema = z
  .object({
    outputs: z.record(z.string(), z.union([TensorOutputSchema, z.array(TensorOutputSchema), TensorMetaSchema])),
    grads: z.record(z.string(), z.union([TensorOutputSchema, TensorMetaSchema])).optional(),
    cost: z.object({ bytes: z.number(), flops: z.number() }).optional().describe('dry runs: the estimate the limits are held against'),
  })
  .meta({ id: 'GraphResponse' });

export { ProblemSchema };
