// Compiled /v1/graph programs, reused across requests. Clients send the same
// program over and over with new data (a training loop, a load test): parsing
// and compiling it again would cost more than running it. A compiled graph
// depends on the program (or node list), the names, dtypes, shapes and
// requires_grad flags of the inputs, the outputs and the backward request, never
// on input values, so those make the key; a hit reuses the compiled graph, its
// worker-side program (program-ref.ts) and its answer template
// (encoding/answer-template.ts) with this request's data.
import { serialize } from 'node:v8';
import { LRUCache } from 'lru-cache';
import type { Config } from '../config.js';
import { AnswerTemplate } from '../encoding/answer-template.js';
import type { HostTensor } from '../encoding/index.js';
import { BodyTemplates, type GraphTextHit } from './body-template.js';
import { compileDecoded, decodeGradOutput, decodeInputs, type DecodedInput, type GraphBody } from './compile.js';
import { fastMatch, layoutOf, sameLayout, type Layout } from './fast-hit.js';
import type { IRGraph } from './ir.js';
import { programOf } from './program-ref.js';

const signature = (t: HostTensor) => `${t.dtype}${t.requiresGrad ? '!' : ''}[${t.shape.join(',')}]`;

export class GraphCompiler {
  // Bounded by entries and by key length (programs can be long).
  private readonly cache = new LRUCache<string, IRGraph>({
    max: 512,
    maxSize: 32 * 1024 * 1024,
    sizeCalculation: (_g, key) => key.length + 1,
  });

  // The layouts last compiled for each program text, newest first (fast-hit.ts).
  // A graph's size follows its program text's, so the bound is on text too.
  private readonly layouts = new LRUCache<string, Layout[]>({
    max: 512,
    maxSize: 32 * 1024 * 1024,
    sizeCalculation: (l, key) => (key.length + 1) * l.length,
  });

  // The program text looked up last and its layouts: a client sends the same
  // program again and again, and comparing its text costs less than the LRU's
  // lookup (hashing the text, then its recency bookkeeping: ~10k instructions
  // inclusive in a callgrind profile of the 2-2-2 request). Kept equal to the
  // LRU's entry by remember(); it outlives an eviction by one entry at most.
  private last: { program: string; layouts: Layout[] } | undefined;

  // Text templates of bodies that fast-hit (body-template.ts), and the bytes
  // of bodies parsed the usual way, kept until they compile.
  private readonly templates = new BodyTemplates();
  private readonly bodyBytes = new WeakMap<object, Uint8Array>();

  constructor(private readonly cfg: Config) {}

  /** A JSON body's bytes that match a template learned earlier: its graph with the data packed. */
  matchText(bytes: Uint8Array): GraphTextHit | undefined {
    return this.templates.match(bytes);
  }

  /** The bytes a body was parsed from, so that a fast hit of it can learn its template. */
  parsedFrom(body: unknown, bytes: Uint8Array): void {
    if (body !== null && typeof body === 'object') this.bodyBytes.set(body, bytes);
  }

  compile(body: GraphBody, binary?: Uint8Array): IRGraph {
    if (binary === undefined && typeof body.program === 'string') {
      for (const layout of this.layoutsOf(body.program)) {
        const graph = fastMatch(layout, body);
        if (graph) {
          // A second body of this layout: its text is worth a template.
          const bytes = this.bodyBytes.get(body);
          if (bytes !== undefined) this.templates.learn(bytes, body, layout);
          return graph;
        }
      }
    }
    const decoded = decodeInputs(body, this.cfg, binary);
    // Both forms at once is an error the compiler raises; the key holds only the program.
    if (body.program !== undefined && body.nodes !== undefined) return compileDecoded(body, decoded, this.cfg, binary);
    let gradOutput: HostTensor | undefined;
    try {
      gradOutput = decodeGradOutput(body, this.cfg, binary);
    } catch {
      // Its error comes after the program's own, as without the cache.
      return compileDecoded(body, decoded, this.cfg, binary);
    }
    const key = cacheKey(body, decoded.map((d) => d.name + '\u0000' + signature(d.tensor)), gradOutput);
    const cached = this.cache.get(key);
    if (cached) {
      if (binary === undefined) this.remember(body, decoded, cached);
      return withData(cached, [...decoded.map((d) => d.tensor), ...(gradOutput ? [gradOutput] : [])]);
    }
    const graph = compileDecoded(body, decoded, this.cfg, binary, gradOutput);
    programOf(graph);
    graph.answer = new AnswerTemplate();
    const template = withData(graph, []);
    this.cache.set(key, template);
    if (binary === undefined) this.remember(body, decoded, template);
    return graph;
  }

  private layoutsOf(program: string): Layout[] {
    const last = this.last;
    if (last !== undefined && last.program === program) return last.layouts;
    const layouts = this.layouts.get(program);
    if (layouts === undefined) return [];
    this.last = { program, layouts };
    return layouts;
  }

  /** Keeps the layout of a body the general path compiled, for the fast hit; at most LAYOUTS_PER_PROGRAM per program text. */
  private remember(body: GraphBody, decoded: DecodedInput[], template: IRGraph): void {
    const layout = layoutOf(body, decoded, template);
    if (!layout) return;
    const program = body.program as string;
    const known = this.layoutsOf(program);
    if (known.some((l) => sameLayout(l, layout))) return;
    const layouts = [layout, ...known.slice(0, LAYOUTS_PER_PROGRAM - 1)];
    this.layouts.set(program, layouts);
    this.last = { program, layouts };
  }
}

/** Layouts kept per program text: a client alternating a few batch sizes keeps its fast hits. */
const LAYOUTS_PER_PROGRAM = 4;

// Length-prefixed parts: no text of the request can make two keys collide.
const part = (s: string) => `${s.length}:${s}`;

function cacheKey(body: GraphBody, inputs: string[], gradOutput: HostTensor | undefined): string {
  // Node lists by their v8 serialization: JSON would write ±Infinity (a literal
  // 1e400 in the body) as null, and those graphs differ.
  let key = body.program !== undefined ? 'p' + part(body.program) : 'n' + part(serialize(body.nodes ?? null).toString('latin1'));
  for (const i of inputs) key += part(i);
  key += body.outputs ? 'o' + part(JSON.stringify(body.outputs)) : '-';
  const bw = body.backward;
  if (bw) key += 'b' + part(JSON.stringify([bw.of ?? null, bw.wrt ?? null, gradOutput ? signature(gradOutput) : null]));
  return key;
}

/** The graph with its request inputs' data replaced, in order (constants kept); no data when `data` is empty. */
function withData(g: IRGraph, data: HostTensor[]): IRGraph {
  let k = 0;
  const inputs = g.inputs.map((i) => (i.constant ? i : { ...i, data: data[k++]?.data }));
  return { ...g, inputs };
}
