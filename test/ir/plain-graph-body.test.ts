// POST /v1/graph skips zod for a body isPlainGraphBody (src/ir/fast-hit.ts)
// calls valid as it stands. That is only right if every such body is one
// GraphRequestSchema accepts and returns unchanged: checked here on random
// bodies built near the plain forms, with any field replaced by a wrong value
// now and then. Through HTTP: bodies just outside the plain forms still get
// zod's answers (400s with its messages, unknown keys ignored).
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPlainGraphBody } from '../../src/ir/fast-hit.js';
import { GraphRequestSchema } from '../../src/schemas/graph.js';
import { post, testApp } from '../helpers.js';

const num = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
const nestedNumbers = fc.oneof(fc.array(num, { maxLength: 3 }), fc.array(fc.array(num, { maxLength: 2 }), { maxLength: 2 }));
// Any JSON value, with the names and words the schema knows among its keys and strings.
const words = ['inputs', 'program', 'outputs', 'backward', 'encoding', 'nodes', 'dry_run', 'of', 'wrt', 'grad_output', 'data', 'requires_grad', 'dtype', 'shape', 'base64', 'float32', 'float64', 'int64', 'json', 'x', ''];
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small' },
    num,
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(...words),
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...words), tie('json'), { maxKeys: 3 }),
  ),
}));
/** The right kind of value most of the time, any JSON value now and then. */
const mostly = <T>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 25, arbitrary: good }, { weight: 1, arbitrary: json });
const name = fc.string({ maxLength: 4 }).filter((s) => s !== '__proto__');

const input = fc.oneof(
  num,
  nestedNumbers,
  fc.record(
    { data: mostly(fc.oneof(num, nestedNumbers)), requires_grad: mostly(fc.boolean()), dtype: mostly(fc.constantFrom('float32', 'float64')) },
    { requiredKeys: ['data'] },
  ),
);
const extraKey = fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom('nodes', 'dry_run', 'grad_output', 'shape', 'base64', 'extra'), json) });
/** Now and then one more key on an object (other values as they are). */
const withExtra = <T>(arb: fc.Arbitrary<T>) =>
  fc.tuple(arb, extraKey).map(([o, e]): unknown => (e && o !== null && typeof o === 'object' && !Array.isArray(o) ? { ...o, [e[0]]: e[1] } : o));

const body = withExtra(
  fc.record(
    {
      inputs: mostly(fc.dictionary(name, mostly(withExtra(input)), { maxKeys: 3 })),
      program: mostly(fc.constantFrom('y = x * 2', 'loss = mse_loss(x * w, y)')),
      outputs: mostly(fc.array(mostly(name), { maxLength: 3 })),
      backward: mostly(withExtra(fc.record({ of: mostly(name), wrt: mostly(fc.array(mostly(name), { maxLength: 2 })) }, { requiredKeys: [] }))),
      encoding: mostly(fc.constantFrom('json', 'base64')),
    },
    { requiredKeys: ['inputs', 'program'] },
  ),
);

describe('isPlainGraphBody', () => {
  it('holds only bodies GraphRequestSchema accepts and gives back unchanged', () => {
    let plain = 0;
    let other = 0;
    fc.assert(
      fc.property(body, (b) => {
        // As the route sees it: a body that went through JSON.
        const sent = JSON.parse(JSON.stringify(b)) as unknown;
        if (!isPlainGraphBody(sent)) {
          other++;
          return;
        }
        plain++;
        const r = GraphRequestSchema.safeParse(sent);
        expect(r.success, JSON.stringify(sent)).toBe(true);
        expect(r.data).toStrictEqual(sent);
      }),
      { numRuns: 3000 },
    );
    // Both sides of the line were drawn often: the property was really tried.
    expect(plain).toBeGreaterThan(300);
    expect(other).toBeGreaterThan(300);
  });

  it('takes the README and bench bodies, leaves the others to zod', () => {
    expect(isPlainGraphBody({ inputs: { x: 1, w: { data: 2, requires_grad: true }, y: 1 }, program: 'p = x * w\nloss = mse_loss(p, y)', outputs: ['loss', 'p'], backward: { of: 'loss', wrt: ['w'] } })).toBe(true);
    expect(isPlainGraphBody({ inputs: { x: [[1, 2]] }, program: 'y = x * 2', encoding: 'base64' })).toBe(true);
    expect(isPlainGraphBody({ inputs: { x: 1 }, nodes: [] })).toBe(false);
    expect(isPlainGraphBody({ inputs: { x: 1 }, program: 'y = x', dry_run: false })).toBe(false);
    expect(isPlainGraphBody({ inputs: { x: { base64: 'AAAA', shape: [1] } }, program: 'y = x' })).toBe(false);
    expect(isPlainGraphBody({ program: 'y = ones(1)' })).toBe(false); // inputs defaults to {}: zod fills it in
  });
});

describe('POST /v1/graph just outside the plain forms (zod answers)', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());
  const base = { inputs: { x: 2, w: { data: 3, requires_grad: true } }, program: 'y = x * w' };

  it('answers a plain body', async () => {
    const r = await post(app, '/v1/graph', { ...base, backward: { of: 'y', wrt: ['w'] } });
    expect(r.status).toBe(200);
    expect(r.body.outputs.y.data).toBe(6);
    expect(r.body.grads.w.data).toBe(2);
  });

  it('ignores an unknown key, as zod strips it', async () => {
    for (const extra of [{ comment: 'hi' }, { backward: { of: 'y', note: 1 } }]) {
      const r = await post(app, '/v1/graph', { ...base, ...extra });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.outputs.y.data).toBe(6);
    }
  });

  it('refuses wrong types with the schema message', async () => {
    const cases: Array<[object, RegExp]> = [
      [{ encoding: 'hex' }, /\/encoding/],
      [{ backward: 5 }, /\/backward/],
      [{ backward: { of: 'y', wrt: 'w' } }, /\/backward\/wrt/],
      [{ outputs: ['y', 1] }, /\/outputs\/1/],
      [{ inputs: { x: { data: 1, requires_grad: 'yes' } } }, /\/inputs\/x/],
      [{ program: 7 }, /\/program/],
    ];
    for (const [change, where] of cases) {
      const r = await post(app, '/v1/graph', { ...base, ...change });
      expect(r.status, JSON.stringify(change)).toBe(400);
      expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(r.body.detail).toMatch(/does not match the schema/);
      expect(r.body.detail, JSON.stringify(r.body)).toMatch(where);
    }
  });
});
