// The optimizer state in the shape of optimizer.state_dict(), keyed by
// parameter name (API.md): request JSON <-> the engine's per-parameter
// values, and param_groups by name <-> groups by index.
import type { Config } from '../config.js';
import { decodeTensor, type HostTensor } from '../encoding/index.js';
import { pointer } from '../ir/compile.js';
import { problemAt } from '../errors.js';
import type { NativeGroup, NativeParamState } from '../native.js';
import type { JobOptimizer, JobStateValue, JobTensor } from '../worker/job.js';
import { optimizerCatalogue } from './catalogue.js';

export interface StateDict {
  state?: Record<string, Record<string, unknown>>;
  param_groups?: unknown;
}

function tensor(value: unknown, path: string, cfg: Config): JobTensor {
  const t: HostTensor = decodeTensor(value, path, { maxElements: cfg.maxTensorElements });
  if (!t.data) throw problemAt('invalidRequest', path, 'a state tensor needs its data');
  return { dtype: t.dtype, shape: t.shape, data: t.data };
}

/** state.state → one entry per parameter (in `names` order), null where absent. */
export function decodeState(sd: StateDict | null | undefined, names: string[], cfg: Config, base = '/state'): Array<Record<string, JobStateValue> | null> | null {
  if (!sd || !sd.state) return null;
  for (const k of Object.keys(sd.state))
    if (!names.includes(k))
      throw problemAt('unknownName', `${base}/state/${pointer(k)}`, `the state names a parameter '${k}' that is not among the parameters (${names.join(', ')})`);
  return names.map((n) => {
    const entry = sd.state![n];
    if (entry === undefined) return null;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      throw problemAt('invalidRequest', `${base}/state/${pointer(n)}`, `the state of '${n}' must be an object of named buffers`);
    const out: Record<string, JobStateValue> = {};
    for (const [k, v] of Object.entries(entry)) {
      const path = `${base}/state/${pointer(n)}/${pointer(k)}`;
      if (v === null || typeof v === 'number') out[k] = v;
      else if (k === 'ro' && Array.isArray(v))
        out[k] = v.map((x, i) => {
          if (typeof x !== 'number') throw problemAt('invalidValue', `${path}/${i}`, "LBFGS's 'ro' must be a list of numbers");
          return x;
        });
      else if (Array.isArray(v) && v.length > 0 && v[0] !== null && typeof v[0] === 'object' && !Array.isArray(v[0]))
        out[k] = v.map((x, i) => tensor(x, `${path}/${i}`, cfg));
      else if (Array.isArray(v) && v.length === 0) out[k] = [];
      else out[k] = tensor(v, path, cfg);
    }
    return out;
  });
}

/** The engine's per-parameter state → {name: {...}} (tensors stay raw for the encoder). */
export function stateByName(states: NativeParamState[], names: string[]): Record<string, NativeParamState> {
  const out: Record<string, NativeParamState> = {};
  names.forEach((n, i) => {
    const s = states[i];
    if (s && Object.keys(s).length > 0) out[n] = s;
  });
  return out;
}

/** Groups by index → param_groups by name, keys in the registry's order (params first). */
export function paramGroupsByName(optimizer: string, groups: NativeGroup[], names: string[]): Array<Record<string, unknown>> {
  const info = optimizerCatalogue().find((o) => o.name === optimizer);
  const order = info ? info.hyperparameters.map((h) => h.name) : [];
  return groups.map((g) => {
    const out: Record<string, unknown> = { params: g.params.map((i) => names[i]) };
    for (const k of order) if (k in g.options) out[k] = g.options[k];
    for (const k of Object.keys(g.options).sort()) if (!(k in out)) out[k] = g.options[k];
    return out;
  });
}

/**
 * The optimizer's groups: one group of every parameter with the top-level
 * options, or the given param_groups (each over the top-level options, as
 * add_param_group fills a group's missing options from the defaults).
 */
export function buildGroups(
  name: string,
  topLevel: Record<string, unknown>,
  paramGroups: Array<Record<string, unknown>> | undefined,
  names: string[],
  base: string,
): JobOptimizer {
  if (!paramGroups) return { name, groups: [{ params: names.map((_, i) => i), options: topLevel }] };
  const seen = new Map<string, number>();
  const groups = paramGroups.map((g, gi) => {
    const { params, ...options } = g;
    if (!Array.isArray(params) || params.length === 0)
      throw problemAt('invalidArgument', `${base}/${gi}/params`, 'a param group needs a non-empty list of parameter names in "params"');
    const idx = params.map((p, pi) => {
      const i = typeof p === 'string' ? names.indexOf(p) : -1;
      if (i < 0) throw problemAt('unknownName', `${base}/${gi}/params/${pi}`, `no parameter named '${String(p)}' (parameters: ${names.join(', ')})`);
      if (seen.has(p as string)) throw problemAt('invalidArgument', `${base}/${gi}/params/${pi}`, 'some parameters appear in more than one parameter group');
      seen.set(p as string, gi);
      return i;
    });
    return { params: idx, options: { ...topLevel, ...options } };
  });
  const missing = names.filter((n) => !seen.has(n));
  if (missing.length > 0)
    throw problemAt('invalidArgument', base, `parameter${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} in no param group; list every parameter in exactly one group`);
  return { name, groups };
}
