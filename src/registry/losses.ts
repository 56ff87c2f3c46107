// The losses of /v1/losses: engine ops with torch.nn.functional's names and
// arguments (read from the catalogue), their torch.nn class-name aliases, and
// which tensor arguments PyTorch differentiates by default — checked against
// torch 1.13 with autograd.grad(..., allow_unused=True).
import { ProblemError } from '../errors.js';
import { findOp } from './catalogue.js';
import type { ArgSpec, OpSchema } from './schema.js';

interface LossSpec {
  alias: string;
  /** Tensor arguments the gradient is returned for by default. */
  grads: string[];
  /** cross_entropy: the target is differentiable only as class probabilities. */
  probabilityTarget?: boolean;
}

const LOSSES: Record<string, LossSpec> = {
  cross_entropy: { alias: 'CrossEntropyLoss', grads: ['input', 'target'], probabilityTarget: true },
  nll_loss: { alias: 'NLLLoss', grads: ['input'] },
  binary_cross_entropy: { alias: 'BCELoss', grads: ['input', 'target'] },
  binary_cross_entropy_with_logits: { alias: 'BCEWithLogitsLoss', grads: ['input', 'target'] },
  l1_loss: { alias: 'L1Loss', grads: ['input', 'target'] },
  mse_loss: { alias: 'MSELoss', grads: ['input', 'target'] },
  smooth_l1_loss: { alias: 'SmoothL1Loss', grads: ['input', 'target'] },
  huber_loss: { alias: 'HuberLoss', grads: ['input', 'target'] },
  poisson_nll_loss: { alias: 'PoissonNLLLoss', grads: ['input', 'target'] },
  gaussian_nll_loss: { alias: 'GaussianNLLLoss', grads: ['input', 'target', 'var'] },
  kl_div: { alias: 'KLDivLoss', grads: ['input', 'target'] },
  margin_ranking_loss: { alias: 'MarginRankingLoss', grads: ['input1', 'input2', 'target'] },
  multilabel_margin_loss: { alias: 'MultiLabelMarginLoss', grads: ['input'] },
  soft_margin_loss: { alias: 'SoftMarginLoss', grads: ['input'] },
  multilabel_soft_margin_loss: { alias: 'MultiLabelSoftMarginLoss', grads: ['input', 'target'] },
  multi_margin_loss: { alias: 'MultiMarginLoss', grads: ['input'] },
  triplet_margin_loss: { alias: 'TripletMarginLoss', grads: ['anchor', 'positive', 'negative'] },
  triplet_margin_with_distance_loss: { alias: 'TripletMarginWithDistanceLoss', grads: ['anchor', 'positive', 'negative'] },
  hinge_embedding_loss: { alias: 'HingeEmbeddingLoss', grads: ['input'] },
  cosine_embedding_loss: { alias: 'CosineEmbeddingLoss', grads: ['input1', 'input2'] },
  ctc_loss: { alias: 'CTCLoss', grads: ['log_probs'] },
};

export interface Loss {
  name: string;
  alias: string;
  op: OpSchema;
  args: ArgSpec[];
  grads: string[];
  probabilityTarget: boolean;
}

let table: Map<string, Loss> | undefined;
let aliases: Map<string, string> | undefined;

export function losses(): Map<string, Loss> {
  if (!table) {
    table = new Map();
    aliases = new Map();
    for (const [name, spec] of Object.entries(LOSSES)) {
      const op = findOp(name);
      if (!op) throw new Error(`internal: the engine has no op '${name}'`);
      table.set(name, { name, alias: spec.alias, op, args: op.args, grads: spec.grads, probabilityTarget: spec.probabilityTarget === true });
      aliases.set(spec.alias, name);
    }
  }
  return table;
}

/** The loss named `name` (functional or nn class name); 404 listing the known ones otherwise. */
export function findLoss(name: string): Loss {
  const all = losses();
  const found = all.get(name) ?? all.get(aliases!.get(name) ?? '');
  if (found) return found;
  throw new ProblemError('notFound', `unknown loss '${name}'; known losses: ${[...all.keys()].join(', ')} (or their torch.nn class names, e.g. CrossEntropyLoss)`);
}
