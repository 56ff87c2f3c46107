// Tensor encodings (API.md "Tensors") as zod schemas. Validation here is
// deliberately shallow: structure and field types, not every element —
// decodeTensor checks elements in one fast pass.
import { z } from 'zod';

export const DTypeSchema = z.enum(['float32', 'float64', 'int64', 'bool']).describe('element type (default float32)');

const NonFinite = z.enum(['NaN', 'Infinity', '-Infinity']);

export const TensorInputSchema = z
  .union([
    // The object form first, then arrays: a union tries its options in order and
    // each miss builds an issue; this order costs ~1 µs per tensor instead of ~4.
    z
      .object({
        data: z.unknown().optional().describe('nested arrays, or flat with `shape`'),
        shape: z.array(z.number().int().nonnegative()).optional(),
        dtype: DTypeSchema.optional(),
        requires_grad: z.boolean().optional(),
        base64: z.string().optional().describe('little-endian bytes, for large tensors'),
        data_offsets: z.array(z.number().int().nonnegative()).length(2).optional().describe('binary framing only'),
      })
      .describe('object form'),
    // Any array, checked as a whole: z.array(z.unknown()) would visit and copy
    // every element of a big flat list, which decodeTensor checks anyway.
    z
      .unknown()
      .refine((v) => Array.isArray(v), 'expected an array')
      .meta({ type: 'array', items: {} })
      .describe('nested arrays; shape inferred, must be rectangular'),
    z.number().describe('a 0-d tensor'),
    NonFinite.describe('a non-finite 0-d tensor'),
    z.boolean().describe('a 0-d bool tensor'),
  ])
  .describe('A tensor: number, nested arrays, {data, shape, dtype, requires_grad} or {shape, dtype, base64}')
  .meta({ id: 'RequestTensor' });

export const TensorOutputSchema = z
  .object({
    shape: z.array(z.number().int()),
    dtype: DTypeSchema,
    data: z.unknown().optional().describe('nested like Tensor.tolist(); a bare number for 0-d'),
    base64: z.string().optional().describe('with "encoding": "base64"'),
  })
  .meta({ id: 'Tensor' });

export const TensorMetaSchema = z.object({ shape: z.array(z.number().int()), dtype: DTypeSchema }).meta({ id: 'TensorMeta' });

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string(), line: z.number().int().optional(), column: z.number().int().optional() })).optional(),
  })
  .describe('RFC 9457 problem details (application/problem+json)')
  .meta({ id: 'Problem' });
