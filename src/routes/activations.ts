// /v1/activations: the list, one activation with its gradient (and Jacobian),
// and an SVG plot of an activation and its derivative. Each builds a tiny graph
// (ir/compile-activation.ts) and runs it like /v1/graph (run-graph.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../config.js';
import { decodeTensor, viewData, type DType, type HostTensor } from '../encoding/index.js';
import { ProblemError } from '../errors.js';
import type { Val } from '../ir/builder.js';
import { compileActivation, optionFromJson, optionFromQuery } from '../ir/compile-activation.js';
import { pointer } from '../ir/compile.js';
import type { NativeTensor } from '../native.js';
import { lineChart } from '../plot/line-chart.js';
import type { JobPool } from '../pool/pool.js';
import { activations, findActivation, optionDefault, type Activation } from '../registry/activations.js';
import {
  ActivationListSchema,
  ActivationNameSchema,
  ActivationRequestSchema,
  ActivationResponseSchema,
  MAX_PLOT_POINTS,
  PLOT_DEFAULTS,
  PlotQuerySchema,
  ProblemSchema,
} from '../schemas/activations.js';
import { binaryPayload } from './binary.js';
import { runGraph, sendTensors } from './run-graph.js';

const problems = { 400: ProblemSchema, 404: ProblemSchema, 413: ProblemSchema, 422: ProblemSchema, 503: ProblemSchema, 504: ProblemSchema };
const RESERVED = new Set(['input', 'grad_output', 'jacobian', 'encoding']);

export function activationRoutes(app: FastifyInstance, cfg: Config, pool: JobPool): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const limits = { maxGraphNodes: cfg.maxGraphNodes, maxTensorElements: cfg.maxTensorElements };

  let list: string | undefined;
  r.get(
    '/v1/activations',
    {
      schema: {
        tags: ['activations'],
        summary: 'List the activations with their options and defaults',
        response: { 200: ActivationListSchema },
      },
    },
    async (_req, reply): Promise<any> => {
      list ??= JSON.stringify({ activations: [...activations().values()].map(describeActivation) });
      return reply.type('application/json').send(list as never);
    },
  );

  r.post(
    '/v1/activations/:name',
    {
      schema: {
        tags: ['activations'],
        summary: 'An activation, its gradient and (optionally) its Jacobian',
        description:
          'Options by their torch.nn.functional names (`negative_slope`, `alpha`, `beta`, `threshold`, `approximate`, `min_val`, `max_val`, `lambd`, `value`, `dim`, `dtype`). ' +
          '`grad` is d(sum(output))/d(input), as `y.sum().backward()` gives, or the vector-Jacobian product with `grad_output`. `"jacobian": true` adds the full Jacobian.',
        params: ActivationNameSchema,
        body: ActivationRequestSchema,
        response: { 200: ActivationResponseSchema, ...problems },
      },
    },
    async (req, reply): Promise<any> => {
      const act = findActivation(req.params.name);
      const body = req.body as Record<string, unknown>;
      const binary = binaryPayload(req);
      const decode = (v: unknown, path: string) => decodeTensor(v, path, { maxElements: cfg.maxTensorElements, ...(binary ? { binary } : {}) });
      const options = new Map<string, Val>();
      for (const [k, v] of Object.entries(body)) {
        if (!RESERVED.has(k) && v !== undefined) options.set(k, optionFromJson(v, { path: `/${pointer(k)}` }));
      }
      const graph = compileActivation(
        {
          act,
          input: decode(body.input, '/input'),
          options,
          gradOutput: body.grad_output === undefined || body.grad_output === null ? undefined : decode(body.grad_output, '/grad_output'),
          jacobian: body.jacobian === true,
          where: (what) => ({ path: what === 'call' ? '/' : `/${pointer(what)}` }),
        },
        limits,
      );
      const { result, ms } = await runGraph(pool, cfg, graph);
      const raw: Record<string, unknown> = { output: result.slots[graph.outputs[0]!.slot], grad: result.grads[0] };
      if (graph.outputs[1]) raw.jacobian = result.slots[graph.outputs[1].slot];
      return sendTensors(req, reply, raw, body.encoding as 'json' | 'base64' | undefined, ms);
    },
  );

  r.get(
    '/v1/activations/:name/plot.svg',
    {
      schema: {
        tags: ['activations'],
        summary: 'An SVG plot of an activation and its derivative',
        description:
          `The function and the engine's gradient of sum(output) at \`points\` evenly spaced x in [min, max] (defaults ${PLOT_DEFAULTS.min}, ${PLOT_DEFAULTS.max}, ${PLOT_DEFAULTS.points}; at most ${MAX_PLOT_POINTS} points). ` +
          'The activation\'s options are query parameters (e.g. `?negative_slope=0.2`). softmax, log_softmax and softmin treat the points as one vector.',
        params: ActivationNameSchema,
        querystring: PlotQuerySchema,
        produces: ['image/svg+xml'],
        response: { 200: z.string().describe('an SVG image (image/svg+xml): the function and its derivative'), ...problems },
      },
    },
    async (req, reply): Promise<any> => {
      const act = findActivation(req.params.name);
      const q = req.query as Record<string, unknown>;
      const { min, max, points } = plotRange(q);
      const options = new Map<string, Val>();
      for (const [k, v] of Object.entries(q)) {
        if (k === 'min' || k === 'max' || k === 'points' || v === undefined) continue;
        options.set(k, optionFromQuery(act.options.find((o) => o.name === k), String(v), { path: `/query/${pointer(k)}` }));
      }
      const x = new Float64Array(points);
      for (let i = 0; i < points; i++) x[i] = i === points - 1 ? max : min + ((max - min) * i) / (points - 1);
      const input: HostTensor = { dtype: 'float64', shape: [points], data: x.slice(), requiresGrad: true };
      const graph = compileActivation({ act, input, options, jacobian: false, where: (what) => ({ path: what === 'input' || what === 'call' ? '/query' : `/query/${pointer(what)}` }) }, limits);
      const { result } = await runGraph(pool, cfg, graph);
      const y = values(result.slots[graph.outputs[0]!.slot] as NativeTensor);
      const dy = values(result.grads[0]!);
      const call = `${act.name}(${['x', ...shownOptions(act, options)].join(', ')})`;
      const svg = lineChart({
        title: act.alongDim ? `${call} over the ${points} points as one vector` : call,
        subtitle: act.alongDim
          ? `the ${points} points in [${min}, ${max}] form one vector x (normalised along dim 0); the derivative is ∂(Σⱼ yⱼ)/∂xᵢ, the gradient of sum(output)`
          : `and its derivative, the engine's gradient of sum(output), at ${points} points in [${min}, ${max}]`,
        xLabel: 'x',
        yLabel: act.alongDim ? 'yᵢ and ∂(Σⱼ yⱼ)/∂xᵢ' : 'f(x) and f′(x)',
        series: [
          { label: act.alongDim ? `${act.name}(x)ᵢ` : `f(x) = ${act.name}(x)`, x, y },
          { label: act.alongDim ? `∂(Σⱼ ${act.name}(x)ⱼ)/∂xᵢ` : `f′(x)`, x, y: dy, dashed: true },
        ],
      });
      return reply.type('image/svg+xml; charset=utf-8').send(svg);
    },
  );
}

function describeActivation(a: Activation) {
  return {
    name: a.name,
    nn: a.alias,
    signature: a.op.schema,
    doc: a.op.doc,
    along_dim: a.alongDim,
    options: a.options.map((o) => {
      const d = optionDefault(o);
      return { name: o.name, type: o.type + (o.optional ? '?' : ''), ...(d !== undefined ? { default: d } : {}), required: !o.hasDefault, keyword_only: o.kwOnly };
    }),
  };
}

/** min, max and points of a plot query, with their defaults; 400 or 413 when unusable. */
function plotRange(q: Record<string, unknown>): { min: number; max: number; points: number } {
  const min = (q.min as number | undefined) ?? PLOT_DEFAULTS.min;
  const max = (q.max as number | undefined) ?? PLOT_DEFAULTS.max;
  const points = (q.points as number | undefined) ?? PLOT_DEFAULTS.points;
  const bad = (path: string, message: string) => new ProblemError('invalidRequest', message, [{ path, message }]);
  if (!Number.isFinite(min)) throw bad('/query/min', `min must be a finite number, not ${min}`);
  if (!Number.isFinite(max)) throw bad('/query/max', `max must be a finite number, not ${max}`);
  if (!(min < max)) throw bad('/query/min', `min (${min}) must be less than max (${max})`);
  if (!Number.isInteger(points) || points < 2) throw bad('/query/points', `points must be an integer of at least 2, not ${points}`);
  if (points > MAX_PLOT_POINTS) {
    const message = `points (${points}) is more than the ${MAX_PLOT_POINTS} a plot may have`;
    throw new ProblemError('tooLarge', message, [{ path: '/query/points', message }]);
  }
  return { min, max, points };
}

function values(t: NativeTensor): Float64Array | Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const d = t.data!;
  return (d instanceof ArrayBuffer ? viewData(t.dtype as DType, d, 0, n) : viewData(t.dtype as DType, d.buffer, d.byteOffset, n)) as Float64Array | Float32Array;
}

/** The options as a call shows them: given ones, then defaults that are not None. */
function shownOptions(act: Activation, given: Map<string, Val>): string[] {
  const shown: string[] = [];
  for (const o of act.options) {
    const v = given.get(o.name);
    if (v) shown.push(`${o.name}=${showVal(v)}`);
    else if (o.hasDefault && o.default !== null) shown.push(`${o.name}=${showJson(o.default)}`);
  }
  return shown;
}

function showJson(v: unknown): string {
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan';
  return v === null ? 'None' : JSON.stringify(v);
}

function showVal(v: Val): string {
  switch (v.kind) {
    case 'num':
      return String(v.value);
    case 'bool':
      return v.value ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'str':
      return /^-?(inf|Infinity|nan|NaN)$/.test(v.value) ? v.value : JSON.stringify(v.value);
    default:
      return '…';
  }
}
