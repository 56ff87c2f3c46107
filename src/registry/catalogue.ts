// The op catalogue as the service sees it: the engine's registered schemas,
// parsed once. The checker, GET /v1/ops, error messages and the OpenAPI
// description all read this.
import { loadAddon } from '../native.js';
import { parseSchema, type OpSchema } from './schema.js';

let catalogue: Map<string, OpSchema> | undefined;

export function opCatalogue(): Map<string, OpSchema> {
  if (!catalogue) {
    catalogue = new Map();
    for (const info of loadAddon().listOps()) {
      const s = parseSchema(info.schema, info.doc, info.differentiable, info.autograd);
      catalogue.set(s.name, s);
    }
  }
  return catalogue;
}

export function findOp(name: string): OpSchema | undefined {
  return opCatalogue().get(name);
}

/** Closest known op names, for "did you mean" hints. */
export function suggestOps(name: string, max = 3): string[] {
  const scored: Array<[number, string]> = [];
  for (const known of opCatalogue().keys()) scored.push([editDistance(name, known), known]);
  scored.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
  return scored.filter(([d]) => d <= Math.max(2, name.length / 3)).slice(0, max).map(([, n]) => n);
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
