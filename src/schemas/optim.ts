// Optimizer, scheduler and training-loop schemas. Hyper-parameters are open
// (their names, types and defaults come from the engine's registry, which
// checks them with PyTorch's messages); these schemas give the structure.
import { z } from 'zod';
import { NodeSchema } from './graph.js';
import { ProblemSchema, TensorInputSchema, TensorOutputSchema } from './tensor.js';

export const StateDictSchema = z
  .object({
    state: z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .describe('per parameter name: its buffers (numbers, tensors, null), as optimizer.state_dict()["state"]'),
    param_groups: z.array(z.looseObject({ params: z.array(z.string()) })).optional().describe('as returned; informational on input'),
  })
  .describe('optimizer.state_dict(), keyed by parameter name')
  .meta({ id: 'OptimizerState' });

const ParamGroupSchema = z
  .looseObject({ params: z.array(z.string()).min(1).describe('parameter names') })
  .describe('a parameter group: its parameters and its own hyper-parameters (the others come from the top level)');

export const stepExamples = {
  sgd: {
    summary: 'one SGD step with momentum (API.md)',
    value: { params: { w: [[0.6614, 0.2669], [0.0617, 0.6213]] }, grads: { w: [[1, 1], [1, 1]] }, lr: 0.1, momentum: 0.9, state: null, steps: 1 },
  },
  adamGroups: {
    summary: 'Adam with a second parameter group at lr 1e-4',
    value: {
      params: { w: [1.0, 2.0], b: [0.5] },
      grads: { w: [0.1, -0.2], b: [0.3] },
      lr: 0.001,
      param_groups: [{ params: ['w'] }, { params: ['b'], lr: 0.0001 }],
      steps: 3,
    },
  },
};

export const OptimizerStepRequestSchema = z
  .looseObject({
    params: z.record(z.string(), TensorInputSchema).describe('parameters by name'),
    grads: z.record(z.string(), TensorInputSchema).describe('their gradients, same names and shapes (cast to the parameter\'s dtype)'),
    state: StateDictSchema.nullable().optional().describe('the state a previous call returned; null or absent for a fresh optimizer'),
    param_groups: z.array(ParamGroupSchema).optional(),
    steps: z.number().int().min(1).optional().describe('how many updates with the same gradients (default 1)'),
    encoding: z.enum(['json', 'base64']).optional(),
  })
  .describe('Any other member is a hyper-parameter of the optimizer, by its torch.optim name (GET /v1/optimizers lists them with defaults).')
  .meta({ id: 'OptimizerStepRequest', examples: Object.values(stepExamples).map((e) => e.value) });

export const OptimizerStepResponseSchema = z
  .object({
    params: z.record(z.string(), TensorOutputSchema),
    state: z.object({ state: z.record(z.string(), z.record(z.string(), z.unknown())), param_groups: z.array(z.record(z.string(), z.unknown())) }),
  })
  .meta({ id: 'OptimizerStepResponse' });

const HyperSchema = z.object({
  name: z.string(),
  type: z.string().describe('float, int, bool, str, float[2], float[], int[], float|float[] (one per group) or scheduler[]; "?" accepts null'),
  required: z.boolean(),
  default: z.unknown().optional(),
  doc: z.string(),
});

export const OptimizersResponseSchema = z.object({
  optimizers: z.array(
    z.object({
      name: z.string(),
      class: z.string().describe('the torch.optim class'),
      doc: z.string(),
      closure: z.boolean().describe('needs a closure: only in POST /v1/optimize'),
      hyperparameters: z.array(HyperSchema),
    }),
  ),
});

export const SchedulersResponseSchema = z.object({
  schedulers: z.array(z.object({ name: z.string(), class: z.string().describe('the torch.optim.lr_scheduler class'), doc: z.string(), hyperparameters: z.array(HyperSchema) })),
});

export const optimizeExamples = {
  apiMd: {
    summary: 'SGD with momentum and a step schedule on y = (2x)^2 (API.md)',
    value: {
      inputs: { x: { data: [2.0], requires_grad: true } },
      program: 'y = (2 * x) ** 2',
      loss: 'y',
      optimizer: { name: 'sgd', lr: 0.01, momentum: 0.9 },
      scheduler: { name: 'step_lr', step_size: 30, gamma: 0.1 },
      steps: 100,
      record: ['x'],
    },
  },
  lbfgs: {
    summary: 'LBFGS with strong Wolfe line search on the Rosenbrock function',
    value: {
      inputs: { p: { data: [-1.5, 2.0], dtype: 'float64', requires_grad: true } },
      program: 'x = p[0]\ny = p[1]\nf = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2',
      loss: 'f',
      optimizer: { name: 'lbfgs', line_search_fn: 'strong_wolfe' },
      steps: 5,
    },
  },
};

const SchedulerSpecSchema = z
  .looseObject({ name: z.string().describe('a scheduler of GET /v1/schedulers') })
  .describe('the scheduler and its options by their torch.optim.lr_scheduler names')
  .meta({ id: 'SchedulerSpec' });

export const OptimizeRequestSchema = z
  .object({
    inputs: z.record(z.string(), TensorInputSchema).default({}).describe('named inputs; those with requires_grad are the parameters'),
    program: z.string().optional().describe('the graph as a program'),
    nodes: z.array(NodeSchema).optional().describe('the graph as a node list'),
    loss: z.string().describe('the scalar to minimise'),
    optimizer: z
      .looseObject({
        name: z.string().describe('an optimizer of GET /v1/optimizers, lbfgs included'),
        param_groups: z.array(ParamGroupSchema).optional(),
      })
      .describe('the optimizer and its hyper-parameters by their torch.optim names'),
    scheduler: SchedulerSpecSchema.nullable().optional(),
    steps: z.number().int().min(1).describe('optimizer steps (at most MAX_OPTIMIZE_STEPS)'),
    record: z.array(z.string()).optional().describe('named values to record at every step (before the update)'),
    state: StateDictSchema.nullable().optional().describe('continue from a returned state'),
    encoding: z.enum(['json', 'base64']).optional(),
  })
  .meta({ id: 'OptimizeRequest', examples: Object.values(optimizeExamples).map((e) => e.value) });

export const OptimizeResponseSchema = z
  .object({
    params: z.record(z.string(), TensorOutputSchema),
    history: z.record(z.string(), z.array(z.unknown())).describe('loss (before each step), lr (used by each step) and every recorded value'),
    state: z.object({ state: z.record(z.string(), z.record(z.string(), z.unknown())), param_groups: z.array(z.record(z.string(), z.unknown())) }),
  })
  .describe('With Accept: application/x-ndjson, one {step, loss, lr} line per step then this object; with Accept: image/svg+xml, the loss curve.')
  .meta({ id: 'OptimizeResponse' });

export { ProblemSchema };
