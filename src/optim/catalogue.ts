// The optimizer and scheduler catalogues, read once from the engine's
// registry: GET /v1/optimizers and /v1/schedulers, name checks (404 with the
// known names) and the key order of returned param_groups all use them.
import { ProblemError } from '../errors.js';
import { loadAddon, type NativeOptimizerInfo, type NativeSchedulerInfo } from '../native.js';

// API.md's order (the registry's is the engine's static-initialisation order).
const OPTIMIZER_ORDER = ['sgd', 'asgd', 'rprop', 'adagrad', 'adadelta', 'rmsprop', 'adam', 'adamw', 'adamax', 'nadam', 'radam', 'sparse_adam', 'lbfgs'];

let optimizers: NativeOptimizerInfo[] | undefined;
let schedulers: NativeSchedulerInfo[] | undefined;

const rank = (order: string[], name: string) => {
  const i = order.indexOf(name);
  return i < 0 ? order.length : i;
};

export function optimizerCatalogue(): NativeOptimizerInfo[] {
  optimizers ??= loadAddon()
    .listOptimizers()
    .sort((a, b) => rank(OPTIMIZER_ORDER, a.name) - rank(OPTIMIZER_ORDER, b.name));
  return optimizers;
}

export function schedulerCatalogue(): NativeSchedulerInfo[] {
  schedulers ??= loadAddon().listSchedulers();
  return schedulers;
}

/** The optimizer called `name` (or its torch.optim class name, e.g. `Adam`); 404 listing the names otherwise. */
export function findOptimizer(name: string): NativeOptimizerInfo {
  const key = name.toLowerCase();
  const found = optimizerCatalogue().find((o) => o.name === key || o.class.toLowerCase() === key);
  if (!found)
    throw new ProblemError('notFound', `unknown optimizer '${name}'; known optimizers: ${optimizerCatalogue().map((o) => o.name).join(', ')}`);
  return found;
}

/** Checks scheduler names (nested ones too): 404 listing the names. */
export function checkSchedulerNames(spec: unknown, path = '/scheduler'): void {
  if (spec === null || typeof spec !== 'object') return;
  const s = spec as Record<string, unknown>;
  const name = s.name;
  if (typeof name !== 'string')
    throw new ProblemError('invalidRequest', `${path} needs a "name" (one of: ${schedulerCatalogue().map((x) => x.name).join(', ')})`, [{ path, message: 'missing name' }]);
  const key = name.toLowerCase();
  const found = schedulerCatalogue().find((x) => x.name === key || x.class.toLowerCase() === key);
  if (!found)
    throw new ProblemError('notFound', `unknown scheduler '${name}'; known schedulers: ${schedulerCatalogue().map((x) => x.name).join(', ')}`, [
      { path: `${path}/name`, message: 'unknown scheduler' },
    ]);
  s.name = found.name;
  if (Array.isArray(s.schedulers)) s.schedulers.forEach((sub, i) => checkSchedulerNames(sub, `${path}/schedulers/${i}`));
}
