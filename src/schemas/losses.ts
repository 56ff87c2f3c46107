// /v1/losses schemas: every loss's arguments by their torch.nn.functional
// names (GET /v1/losses lists which loss takes which), plus one example body
// per loss for the OpenAPI document.
import { z } from 'zod';
import { ProblemSchema, TensorInputSchema, TensorOutputSchema } from './tensor.js';

const probs = [[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]];
export const lossExamples: Record<string, unknown> = {
  cross_entropy: { input: [[1, 2], [1, 3], [1, 3]], target: [0, 1, 1], weight: [1, 2], reduction: 'none' },
  nll_loss: { input: [[-1.2, -0.4, -2.0], [-0.3, -1.5, -2.2]], target: [1, 0] },
  binary_cross_entropy: { input: [0.8, 0.2, 0.6], target: [1, 0, 1] },
  binary_cross_entropy_with_logits: { input: [[0.5, -1.0], [2.0, 0.3]], target: [[1, 0], [1, 1]], pos_weight: [3, 3] },
  l1_loss: { input: [1, 2, 3], target: [1, 2, 5], reduction: 'sum' },
  mse_loss: { input: [1, 2, 3], target: [1, 2, 5] },
  smooth_l1_loss: { input: [1, 2, 3], target: [1.5, 2, 5], beta: 1.0 },
  huber_loss: { input: [1, 2, 3], target: [1.5, 2, 5], delta: 1.0 },
  poisson_nll_loss: { input: [0.5, 1.0, 1.5], target: [1, 2, 3], log_input: true, full: true },
  gaussian_nll_loss: { input: [0.5, 1.0, 1.5], target: [1, 2, 3], var: [0.5, 1, 2] },
  kl_div: { input: [[-1.2, -0.8, -1.4], [-0.5, -2.3, -1.2]], target: probs, reduction: 'batchmean' },
  margin_ranking_loss: { input1: [0.8, 0.2, 0.5], input2: [0.3, 0.6, 0.5], target: [1, -1, 1], margin: 0.1 },
  hinge_embedding_loss: { input: [0.3, 1.5, 0.2], target: [1, -1, -1], margin: 1.0 },
  soft_margin_loss: { input: [0.3, -1.5, 0.2], target: [1, -1, -1] },
  cosine_embedding_loss: { input1: [[1, 2, 3], [1, 0, 1]], input2: [[1, 2, 2], [-1, 0, 1]], target: [1, -1] },
  multilabel_margin_loss: { input: [[0.1, 0.2, 0.4, 0.8]], target: [[3, 0, -1, 1]] },
  multilabel_soft_margin_loss: { input: [[0.1, -0.2, 0.4]], target: [[1, 0, 1]] },
  multi_margin_loss: { input: [[0.1, 0.2, 0.4, 0.8]], target: [3], p: 1, margin: 1.0 },
  triplet_margin_loss: { anchor: [[0.1, 0.2]], positive: [[0.2, 0.1]], negative: [[0.9, 0.8]], margin: 1.0, p: 2 },
  triplet_margin_with_distance_loss: { anchor: [[0.1, 0.2]], positive: [[0.2, 0.1]], negative: [[0.9, 0.8]], distance_function: 'cosine' },
  ctc_loss: {
    log_probs: [[[-1.2, -0.9, -1.2]], [[-1.0, -1.3, -1.0]], [[-0.9, -1.2, -1.2]]],
    targets: [[1, 2]],
    input_lengths: [3],
    target_lengths: [2],
    zero_infinity: true,
  },
};

export const LossNameSchema = z.object({ name: z.string().describe('a torch.nn.functional loss name (e.g. cross_entropy) or its torch.nn class name (CrossEntropyLoss)') });

export const LossRequestSchema = z
  .object({
    input: TensorInputSchema.optional().describe('the prediction (most losses)'),
    target: TensorInputSchema.optional().describe('the target; class indices may be given as integer-valued numbers'),
    weight: TensorInputSchema.optional().describe('per-class or per-element weights, where the loss takes them'),
    reduction: z.string().optional().describe('"none", "mean" (default) or "sum"; kl_div also "batchmean"'),
    wrt: z.array(z.string()).optional().describe('tensor arguments to return gradients for (default: every one PyTorch differentiates)'),
    grad_output: TensorInputSchema.optional().describe('gradient flowing into the loss (its shape); default ones, as loss.sum().backward()'),
    encoding: z.enum(['json', 'base64']).optional().describe('how response tensors are written'),
  })
  .catchall(z.unknown())
  .describe("The loss's arguments by their torch.nn.functional names, with PyTorch's defaults (GET /v1/losses lists them)")
  .meta({ id: 'LossRequest', examples: Object.values(lossExamples) });

export const LossResponseSchema = z
  .object({
    loss: TensorOutputSchema,
    grads: z.record(z.string(), TensorOutputSchema).describe('gradient of the loss with respect to each differentiable tensor argument'),
  })
  .meta({ id: 'LossResponse' });

export const LossListSchema = z.object({
  losses: z.array(
    z.object({
      name: z.string(),
      alias: z.string().describe('the torch.nn class name, accepted in the URL too'),
      signature: z.string(),
      arguments: z.array(z.object({ name: z.string(), type: z.string(), default: z.unknown().optional(), required: z.boolean() })),
      grads: z.array(z.string()).describe('tensor arguments differentiated by default'),
      example: z.unknown(),
    }),
  ),
});

export { ProblemSchema };
