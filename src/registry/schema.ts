// Parses the engine's PyTorch-style op schemas, e.g.
//   "sum(Tensor input, int[]? dim=None, bool keepdim=False) -> Tensor"
// into argument descriptors. `*` starts keyword-only arguments.

// `Scalar|str` is a number or a string option, like norm's p (2, inf or "fro").
export type ArgType = 'Tensor' | 'Tensor[]' | 'Scalar' | 'Scalar|str' | 'int' | 'int[]' | 'float' | 'bool' | 'str' | 'ScalarType';

export interface ArgSpec {
  name: string;
  type: ArgType;
  optional: boolean; // `?`: None is accepted
  hasDefault: boolean;
  default: unknown; // JSON value of the default (null for None)
  kwOnly: boolean;
}

export interface OpSchema {
  name: string;
  args: ArgSpec[];
  returns: 'Tensor' | 'Tensor[]';
  doc: string;
  differentiable: boolean;
  autograd: boolean;
  schema: string;
}

const TYPES = new Set<ArgType>(['Tensor', 'Tensor[]', 'Scalar', 'Scalar|str', 'int', 'int[]', 'float', 'bool', 'str', 'ScalarType']);

function parseDefault(text: string): unknown {
  const t = text.trim();
  if (t === 'None') return null;
  if (t === 'True') return true;
  if (t === 'False') return false;
  if (t.startsWith('"') || t.startsWith("'")) return t.slice(1, -1);
  if (t.startsWith('[')) {
    const inner = t.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((x) => Number(x.trim()));
  }
  if (t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  const n = Number(t);
  if (Number.isNaN(n)) throw new Error(`bad default '${text}'`);
  return n;
}

export function parseSchema(schema: string, doc = '', differentiable = true, autograd = false): OpSchema {
  const m = /^(\w+)\((.*)\)\s*->\s*(Tensor\[\]|Tensor)$/.exec(schema.trim());
  if (!m) throw new Error(`bad op schema: ${schema}`);
  const [, name, params, returns] = m as unknown as [string, string, string, 'Tensor' | 'Tensor[]'];
  const args: ArgSpec[] = [];
  let kwOnly = false;
  for (const raw of params.split(/,(?![^[]*\])/)) {
    const p = raw.trim();
    if (p === '') continue;
    if (p === '*') {
      kwOnly = true;
      continue;
    }
    const am = /^([\w[\]|]+)(\?)?\s+(\w+)(?:\s*=\s*(.+))?$/.exec(p);
    if (!am) throw new Error(`bad argument '${p}' in schema: ${schema}`);
    const [, type, q, argName, def] = am;
    if (!TYPES.has(type as ArgType)) throw new Error(`unknown type '${type}' in schema: ${schema}`);
    args.push({
      name: argName!,
      type: type as ArgType,
      optional: q === '?',
      hasDefault: def !== undefined,
      default: def === undefined ? undefined : parseDefault(def),
      kwOnly,
    });
  }
  return { name, args, returns, doc, differentiable, autograd, schema };
}
