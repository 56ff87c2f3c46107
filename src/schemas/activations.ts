// /v1/activations schemas. The options (their names, types and which
// activation takes them) are read from the op catalogue, like the list itself.
import { z } from 'zod';
import { activations, optionDefault } from '../registry/activations.js';
import type { ArgSpec } from '../registry/schema.js';
import { ProblemSchema, TensorInputSchema, TensorOutputSchema } from './tensor.js';

export const activationExamples = {
  leakyRelu: {
    summary: 'leaky_relu with negative_slope (API.md)',
    value: { input: [-2, -0.5, 0, 1.5], negative_slope: 0.1 },
  },
  softmaxJacobian: {
    summary: 'softmax with its Jacobian p_i(δ_ij − p_j)',
    value: { input: [1, 2, 3], dim: 0, jacobian: true },
  },
  geluTanh: {
    summary: 'gelu, tanh approximation, float64, with grad_output',
    value: { input: { data: [-1, 0, 1], dtype: 'float64' }, approximate: 'tanh', grad_output: { data: [1, 0.5, 2], dtype: 'float64' } },
  },
};

const NonFinite = z.enum(['NaN', 'Infinity', '-Infinity', 'inf', '-inf']);

function optionType(a: ArgSpec): z.ZodType {
  let t: z.ZodType;
  switch (a.type) {
    case 'float':
    case 'Scalar':
      t = z.union([z.number(), NonFinite]);
      break;
    case 'int':
      t = z.number().int();
      break;
    case 'bool':
      t = z.boolean();
      break;
    case 'str':
      t = z.string();
      break;
    case 'ScalarType':
      t = z.enum(['float32', 'float64']);
      break;
    default:
      t = z.unknown();
  }
  return a.optional ? t.nullable() : t;
}

/** Every option of any activation, described with who takes it and its default. */
function optionFields(): Record<string, z.ZodType> {
  const users = new Map<string, { spec: ArgSpec; uses: string[] }>();
  for (const act of activations().values()) {
    for (const o of act.options) {
      const d = optionDefault(o);
      const use = `${act.name} (${d === undefined ? 'required' : `default ${JSON.stringify(d)}`})`;
      const seen = users.get(o.name);
      if (seen) seen.uses.push(use);
      else users.set(o.name, { spec: o, uses: [use] });
    }
  }
  const fields: Record<string, z.ZodType> = {};
  for (const [name, { spec, uses }] of [...users].sort((a, b) => a[0].localeCompare(b[0])))
    fields[name] = optionType(spec).optional().describe(`option of ${uses.join(', ')}`);
  return fields;
}

export const ActivationRequestSchema = z
  .object({
    input: TensorInputSchema.describe('the input tensor (float32 or float64)'),
    grad_output: TensorInputSchema.optional().describe('the gradient flowing into the output (shape of the output); default ones, i.e. d(sum(output))/d(input)'),
    jacobian: z.boolean().optional().describe('also return the full Jacobian, shape output.shape + input.shape'),
    encoding: z.enum(['json', 'base64']).optional().describe('how response tensors are written'),
    ...optionFields(),
  })
  .catchall(z.unknown())
  .describe("The activation's input and its options by their torch.nn.functional names (GET /v1/activations lists which activation takes which)")
  .meta({ id: 'ActivationRequest', examples: Object.values(activationExamples).map((e) => e.value) });

export const ActivationResponseSchema = z
  .object({
    output: TensorOutputSchema,
    grad: TensorOutputSchema.describe('d(sum(output))/d(input), or the vector-Jacobian product with grad_output'),
    jacobian: TensorOutputSchema.optional().describe('d output / d input, shape output.shape + input.shape'),
  })
  .meta({ id: 'ActivationResponse' });

export const ActivationNameSchema = z.object({
  name: z.string().describe('a torch.nn.functional name (relu, leaky_relu, gelu, softmax, ...) or a torch.nn class name (ReLU, GELU, ...)'),
});

export const ActivationListSchema = z
  .object({
    activations: z.array(
      z.object({
        name: z.string(),
        nn: z.string().describe('the torch.nn class name, accepted as an alias'),
        signature: z.string().describe('PyTorch-style schema of the op'),
        doc: z.string(),
        along_dim: z.boolean().describe('normalises along `dim` (not elementwise)'),
        options: z.array(
          z.object({
            name: z.string(),
            type: z.string(),
            default: z.unknown().optional(),
            required: z.boolean(),
            keyword_only: z.boolean(),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'ActivationList' });

export const PLOT_DEFAULTS = { min: -6, max: 6, points: 200 } as const;
export const MAX_PLOT_POINTS = 10_000;

export const PlotQuerySchema = z
  .object({
    min: z.coerce.number().optional().describe(`left end of the x range (default ${PLOT_DEFAULTS.min})`),
    max: z.coerce.number().optional().describe(`right end of the x range (default ${PLOT_DEFAULTS.max})`),
    points: z.coerce.number().optional().describe(`points evaluated, 2 to ${MAX_PLOT_POINTS} (default ${PLOT_DEFAULTS.points})`),
    ...Object.fromEntries(Object.entries(optionFields()).map(([k, v]) => [k, z.string().optional().describe(v.description ?? '')])),
  })
  .catchall(z.string())
  .describe("The range and the activation's options");

export { ProblemSchema };
