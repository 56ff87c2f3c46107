// Deep, huge or hostile requests never crash the process or hang a worker
// (API.md: "Nothing a client sends may crash the process, hang a worker, or
// leak memory"). Every answer is a documented status, fast.
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, testApp } from '../helpers.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => {
  await app.close();
});

type Res = Awaited<ReturnType<typeof post>>;

async function graph(body: unknown): Promise<Res & { ms: number }> {
  const t0 = performance.now();
  const r = await post(app, '/v1/graph', body);
  return { ...r, ms: performance.now() - t0 };
}

/** The service is still alive and computing after whatever came before. */
async function stillServes(): Promise<void> {
  const r = await graph({ inputs: { x: 2 }, program: 'y = x * 21' });
  expect(r.status).toBe(200);
  expect(r.body.outputs.y.data).toBe(42);
}

describe('huge programs', () => {
  it('a 100k-statement program is over the node limit: 413', async () => {
    const r = await graph({ inputs: { x: 1 }, program: 'y = x + 1\n'.repeat(100_000) });
    expect(r.status).toBe(413);
    expect(r.body.detail).toMatch(/more than 10000 statements/);
    expect(r.ms).toBeLessThan(5000);
  });

  it('a 10 MB program is over the program length: 413, before parsing', async () => {
    const program = `y = x\n# ${'a'.repeat(10 * 1024 * 1024)}`;
    const r = await graph({ inputs: { x: 1 }, program });
    expect(r.status).toBe(413);
    expect(r.body.detail).toMatch(/longer than 1000000 characters/);
    expect(r.ms).toBeLessThan(5000);
  });

  it('deeply nested parentheses, signs, brackets and calls: 400, no stack overflow', async () => {
    for (const program of [
      `y = ${'('.repeat(100_000)}x${')'.repeat(100_000)}`,
      `y = ${'-'.repeat(100_000)}x`,
      `y = ${'['.repeat(100_000)}x${']'.repeat(100_000)}`,
      `y = ${'exp('.repeat(50_000)}x${')'.repeat(50_000)}`,
      `y = x${'.exp()'.repeat(50_000)}`,
      `y = x${' ** x'.repeat(50_000)}`,
    ]) {
      const r = await graph({ inputs: { x: 1 }, program });
      expect(r.status, program.slice(0, 20)).toBe(400);
      expect(r.body.type).toBe('/problems/syntax-error');
      expect(r.body.detail).toMatch(/nested deeper than 64 levels/);
    }
    await stillServes();
  });

  it('a chain of 5,000 additions succeeds', async () => {
    const r = await graph({ inputs: { x: 1 }, program: `y = x${' + x'.repeat(5000)}` });
    expect(r.status).toBe(200);
    expect(r.body.outputs.y.data).toBe(5001);
  });

  it('a chain of 5,000 additions and multiplications differentiates', async () => {
    const r = await graph({ inputs: { x: { data: 1, requires_grad: true, dtype: 'float64' } }, program: `y = x${' + x * 1'.repeat(5000)}` });
    expect(r.status).toBe(200);
    expect(r.body.outputs.y.data).toBe(5001);
    expect(r.body.grads.x.data).toBe(5001);
  });

  it('9,999 statements each one op (just under the node limit) succeed', async () => {
    const lines = ['v0 = x + 1'];
    for (let i = 1; i < 9_999; i++) lines.push(`v${i} = v${i - 1} + 1`);
    const r = await graph({ inputs: { x: 0 }, program: lines.join('\n') });
    expect(r.status).toBe(200);
    expect(r.body.outputs.v9998.data).toBe(9999);
  });
});

describe('big derivatives', () => {
  it('hessian of something big is refused by the cost check: 413, fast', async () => {
    const r = await graph({ program: 'x = ones(5000)\ny = sum(x * x * x)\nh = hessian(y, x)' });
    expect(r.status).toBe(413);
    expect(r.body.detail).toMatch(/MAX_TENSOR_ELEMENTS|MAX_JOB/);
    expect(r.ms).toBeLessThan(2000);
  });

  it('jacobian of a big output is refused by the cost check: 413, fast', async () => {
    const r = await graph({ program: 'x = ones(100000)\nj = jacobian(exp(x), x)' });
    expect(r.status).toBe(413);
    expect(r.ms).toBeLessThan(2000);
  });

  // Found by the libFuzzer target (native/fuzz/crashes/): the jacobian's
  // one-hot seeds were written as doubles into a bool y's one-byte elements,
  // past the end of its buffer. A bool or integer y has a zero Jacobian
  // (torch.autograd.functional.jacobian gives zeros of x's dtype).
  it('jacobian of a bool or int64 output: zeros of shape y + x, nothing written out of bounds', async () => {
    const x = Array.from({ length: 300 }, (_, i) => i - 150.5);
    const bool = await graph({ inputs: { x }, program: 'j = jacobian(x > 0, x)\ns = j.abs().sum()', outputs: ['s', 'j'] });
    expect(bool.status, JSON.stringify(bool.body)).toBe(200);
    expect(bool.body.outputs.j.shape).toEqual([300, 300]);
    expect(bool.body.outputs.j.dtype).toBe('float32');
    expect(bool.body.outputs.s.data).toBe(0);
    const int = await graph({ inputs: { x: { data: [1, 2], dtype: 'float64' }, i: { data: [[1, 2], [3, 4]], dtype: 'int64' } }, program: 'j = jacobian(i * 2, x)' });
    expect(int.status, JSON.stringify(int.body)).toBe(200);
    expect(int.body.outputs.j).toEqual({ shape: [2, 2, 2], dtype: 'float64', data: [[[0, 0], [0, 0]], [[0, 0], [0, 0]]] });
    await stillServes();
  });

  it('grad nested 6 deep: the 6th derivative of x**6 at x=1 is 720', async () => {
    const r = await graph({
      inputs: { x: { data: 1, dtype: 'float64' } },
      program: 'y = x ** 6\ng1 = grad(y, x)\ng2 = grad(g1, x)\ng3 = grad(g2, x)\ng4 = grad(g3, x)\ng5 = grad(g4, x)\ng6 = grad(g5, x)',
      outputs: ['g1', 'g2', 'g3', 'g4', 'g5', 'g6'],
    });
    expect(r.status).toBe(200);
    expect(['g1', 'g2', 'g3', 'g4', 'g5', 'g6'].map((k) => r.body.outputs[k].data)).toEqual([6, 30, 120, 360, 720, 720]);
  });

  it('grad nested 6 deep in one expression, and a 7th derivative of x**6 is 0', async () => {
    const r = await graph({
      inputs: { x: { data: 1, dtype: 'float64' } },
      program: 'g6 = grad(grad(grad(grad(grad(grad(x ** 6, x), x), x), x), x), x)\ng7 = grad(g6, x)',
      outputs: ['g6', 'g7'],
    });
    expect(r.status).toBe(200);
    expect(r.body.outputs.g6.data).toBe(720);
    expect(r.body.outputs.g7.data).toBe(0);
  });
});

describe('odd values', () => {
  // Found by the libFuzzer target: a non-finite alpha on int64 tensors was
  // converted to an integer (undefined behaviour). PyTorch's alpha_check.
  it('add/sub of int64 tensors with a non-integral or infinite alpha: 422 with PyTorch\'s message; a whole alpha works', async () => {
    const i = { data: [1, 2], dtype: 'int64' };
    for (const alpha of ['math.inf', 'math.nan', '0.5', '1e300']) {
      for (const op of ['add', 'sub']) {
        const r = await graph({ inputs: { i }, program: `y = torch.${op}(i, i, alpha=${alpha})` });
        expect(r.status, `${op} alpha=${alpha}: ${JSON.stringify(r.body)}`).toBe(422);
        expect(r.body.detail).toBe('For integral input tensors, argument alpha must not be a floating point number.');
      }
    }
    // (-math.inf is an expression, neg(inf): refused earlier, as a tensor where a number goes.)
    expect((await graph({ inputs: { i }, program: 'y = torch.add(i, i, alpha=-math.inf)' })).status).toBe(422);
    const ok = await graph({ inputs: { i }, program: 'y = torch.add(i, i, alpha=2)\nz = torch.sub(i, i, alpha=-3)', outputs: ['y', 'z'] });
    expect(ok.status).toBe(200);
    expect([ok.body.outputs.y.data, ok.body.outputs.z.data]).toEqual([[3, 6], [4, 8]]);
    const f = await graph({ inputs: { x: [1.5, 2] }, program: 'y = torch.add(x, x, alpha=0.5)' });
    expect(f.body.outputs.y.data).toEqual([2.25, 3]);
    await stillServes();
  });

  it('NaN and ±Infinity given as strings propagate and come back as strings', async () => {
    const r = await graph({
      inputs: { a: 'NaN', b: 'Infinity', c: { data: ['-Infinity', 1, 'NaN'], dtype: 'float64' } },
      program: 'p = a + 1\nq = b * -1\nr = c * 2\ns = b - b\nt = exp(c)',
      outputs: ['p', 'q', 'r', 's', 't'],
    });
    expect(r.status).toBe(200);
    expect(r.body.outputs.p.data).toBe('NaN');
    expect(r.body.outputs.q.data).toBe('-Infinity');
    expect(r.body.outputs.r.data).toEqual(['-Infinity', 2, 'NaN']);
    expect(r.body.outputs.s.data).toBe('NaN');
    expect(r.body.outputs.t.data).toEqual([0, Math.E, 'NaN']);
  });

  it('non-finite strings other than NaN/Infinity/-Infinity are a 400/422, never a 500', async () => {
    for (const bad of ['nan', 'inf', 'Inf', '1e999', '', ' NaN']) {
      const r = await graph({ inputs: { a: bad }, program: 'y = a + 1' });
      expect([400, 422], bad).toContain(r.status);
    }
    const r = await graph({ inputs: { a: { data: ['NaN', 'oops'] } }, program: 'y = a + 1' });
    expect([400, 422]).toContain(r.status);
  });

  it('numbers as large as JSON allows: 1e308 overflows to Infinity in float32, no crash', async () => {
    const r = await graph({ inputs: { a: 1e308, b: { data: 1e308, dtype: 'float64' } }, program: 'y = a * 1\nz = b * 10', outputs: ['y', 'z'] });
    expect(r.status).toBe(200);
    expect(r.body.outputs.y.data).toBe('Infinity');
    expect(r.body.outputs.z.data).toBe('Infinity');
  });

  it('absurd sizes in creation ops are 413 or 422, fast', async () => {
    for (const program of [
      'y = zeros(-1)',
      'y = zeros([2, -3])',
      'y = ones(9007199254740991)',
      'y = ones(1e300)',
      'y = arange(0, 1e15)',
      'y = arange(0, 10, 0)',
      'y = linspace(0, 1, 1000000000000)',
      'y = eye(100000000)',
      'y = full([4294967296, 4294967296], 1)',
      'y = zeros([65536, 65536, 65536, 65536])',
      'y = zeros([0, 4294967296, 4294967296])',
    ]) {
      const r = await graph({ program });
      expect([200, 413, 422], program).toContain(r.status);
      expect(r.ms, program).toBeLessThan(2000);
    }
    await stillServes();
  });

  it('arange with a NaN step is PyTorch\'s "step must be nonzero" (422), not a length computed from NaN', async () => {
    for (const body of [{ program: 'y = arange(0, 5, nan)' }, { nodes: [{ id: 'y', op: 'arange', args: [0, 5, 'NaN'] }] }]) {
      const r = await graph(body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(r.body.detail).toContain('step must be nonzero');
    }
    const inf = await graph({ program: 'y = arange(0, 5, inf)' });
    expect(inf.status).toBe(200);
    expect(inf.body.outputs.y).toEqual({ shape: [0], dtype: 'float32', data: [] });
  });

  it('the empty program, and one of comments only, answer no outputs', async () => {
    for (const program of ['', '\n\n', '# nothing here', ';;;']) {
      const r = await graph({ inputs: { x: 1 }, program });
      expect(r.status).toBe(200);
      expect(r.body.outputs).toEqual({});
    }
  });

  it('Unicode names in inputs, programs and node lists', async () => {
    const inputs = { é: 1, x名: 2, Δt: 0.5 };
    let r = await graph({ inputs, program: 'ψ = é + x名 * Δt', outputs: ['ψ'] });
    expect(r.status).toBe(200);
    expect(r.body.outputs.ψ.data).toBe(2);
    r = await graph({ inputs, nodes: [{ id: 'ÿ', op: 'add', args: ['é', 'x名'] }] });
    expect(r.status).toBe(200);
    expect(r.body.outputs.ÿ.data).toBe(3);
    // names that are not identifiers can still be used from a node list
    r = await graph({ inputs: { 'a b': 1, '😀': 2, '': 3 }, nodes: [{ id: '→', op: 'add', args: ['a b', '😀'] }] });
    expect(r.status).toBe(200);
    expect(r.body.outputs['→'].data).toBe(3);
  });
});

describe('prototype-pollution keys are plain names', () => {
  it("inputs named 'constructor', 'toString', 'hasOwnProperty', 'valueOf'", async () => {
    const r = await graph({
      inputs: { constructor: 1, toString: 2, hasOwnProperty: 3, valueOf: { data: 4, requires_grad: true } },
      program: 'y = constructor + toString + hasOwnProperty * valueOf',
    });
    expect(r.status).toBe(200);
    expect(r.body.outputs.y.data).toBe(15);
    expect(r.body.grads.valueOf.data).toBe(3);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a value named '__proto__' in a program is an ordinary output", async () => {
    const r = await graph({ inputs: { constructor: 1 }, program: '__proto__ = constructor + 1\nprototype = __proto__ * 2', outputs: ['__proto__', 'prototype'] });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body.outputs)).toEqual(['__proto__', 'prototype']);
    expect(r.body.outputs.__proto__).toEqual({ shape: [], dtype: 'float32', data: 2 });
    expect(r.body.outputs.prototype.data).toBe(4);
  });

  it("node ids '__proto__' and 'constructor', and gradients named so", async () => {
    const r = await graph({
      inputs: { constructor: { data: 3, requires_grad: true } },
      nodes: [
        { id: '__proto__', op: 'mul', args: ['constructor', 'constructor'] },
        { id: 'toString', op: 'neg', args: ['__proto__'] },
      ],
      outputs: ['__proto__', 'toString'],
      backward: { of: 'toString', wrt: ['constructor', '__proto__'] },
    });
    expect(r.status).toBe(200);
    expect(r.body.outputs.__proto__.data).toBe(9);
    expect(r.body.outputs.toString.data).toBe(-9);
    expect(Object.keys(r.body.grads)).toEqual(['constructor', '__proto__']);
    expect(r.body.grads.constructor.data).toBe(-6);
    expect(r.body.grads.__proto__.data).toBe(-1);
  });

  it("Object.prototype names where a dtype, a number or an op is looked up: 422, never 500", async () => {
    const cases: unknown[] = [
      { inputs: { x: [1, 2] }, program: 'y = zeros(2, dtype=constructor)' },
      { inputs: { x: [1, 2] }, program: 'y = zeros(2, dtype="constructor")' },
      { inputs: { x: [1, 2] }, program: 'y = x.constructor()' },
      { inputs: { x: [1, 2] }, program: 'y = x.toString()' },
      { inputs: { x: [1, 2] }, program: 'y = x.__proto__' },
      { inputs: { x: [1, 2] }, program: 'y = torch.constructor' },
      { inputs: { x: [1, 2] }, program: 'y = x * math.hasOwnProperty' },
      { inputs: { x: [1, 2] }, program: 'y = leaky_relu(x, "toString")' },
      { inputs: { x: [1, 2] }, program: 'y = constructor(x)' },
      { inputs: { x: [1, 2] }, program: 'y = __proto__(x)' },
      { inputs: { x: [1, 2] }, nodes: [{ id: 'y', op: 'leaky_relu', args: ['x', 'valueOf'] }] },
      { inputs: { x: [1, 2] }, nodes: [{ id: 'y', op: 'toString', args: ['x'] }] },
      { inputs: { x: [1, 2] }, nodes: [{ id: 'y', op: '__proto__', args: ['x'] }] },
      { inputs: { x: [1, 2] }, nodes: [{ id: 'y', op: 'sum', args: ['x'], kwargs: { constructor: 1 } }] },
      { inputs: { x: [1, 2] }, nodes: [{ id: 'y', op: 'zeros', args: [[2]], kwargs: { dtype: 'constructor' } }] },
      { inputs: { x: [1, 2] }, nodes: [{ id: 'y', op: 'clamp', args: ['x'], kwargs: { min: 'toString' } }] },
      { inputs: { x: [1, 2] }, nodes: [{ id: 'y', op: 'mse_loss', args: ['x', 'x'], kwargs: { reduction: 'constructor' } }] },
      { inputs: { x: [1, 2] }, program: 'y = x', outputs: ['constructor'] },
      { inputs: { x: [1, 2] }, program: 'y = x', backward: { of: 'hasOwnProperty' } },
    ];
    for (const body of cases) {
      const r = await graph(body);
      expect([400, 422], JSON.stringify(body)).toContain(r.status);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await stillServes();
  });

  it("a JSON key '__proto__' anywhere is refused by name with a 400 (never silently dropped)", async () => {
    for (const payload of [
      '{"inputs": {"__proto__": {"polluted": 1}}, "program": "y = 1"}',
      '{"inputs": {"x": 1}, "nodes": [{"id": "y", "op": "neg", "args": ["x"], "kwargs": {"__proto__": {"polluted": 1}}}]}',
      '{"inputs": {"x": {"data": 1, "__proto__": {"requires_grad": true}}}, "program": "y = x"}',
      '{"inputs": {"\\u005f\\u005fproto\\u005f\\u005f": 1}, "program": "y = 1"}',
    ]) {
      const res = await app.inject({ method: 'POST', url: '/v1/graph', payload, headers: { 'content-type': 'application/json' } });
      expect(res.statusCode, payload).toBe(400);
      expect(res.json().detail).toMatch(/'__proto__' is not accepted/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("a 'constructor.prototype' payload is inert", async () => {
    const payload = '{"inputs": {"constructor": {"data": 1, "prototype": {"polluted": 1}}}, "program": "y = constructor"}';
    const res = await app.inject({ method: 'POST', url: '/v1/graph', payload, headers: { 'content-type': 'application/json' } });
    expect([200, 400, 422]).toContain(res.statusCode);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('long node lists', () => {
  it('10k nodes in one long chain (given in reverse order) succeed or are 413, never crash', async () => {
    const nodes = [{ id: 'n0', op: 'add', args: ['x', 'x'] }];
    for (let i = 1; i < 10_000; i++) nodes.push({ id: `n${i}`, op: 'add', args: [`n${i - 1}`, 'x'] });
    const r = await graph({ inputs: { x: { data: 1, requires_grad: true } }, nodes: nodes.reverse(), outputs: ['n9999'] });
    expect([200, 413]).toContain(r.status);
    if (r.status === 200) {
      expect(r.body.outputs.n9999.data).toBe(10_001);
      expect(r.body.grads.x.data).toBe(10_001);
    }
  });

  it('10,001 nodes are over MAX_GRAPH_NODES: 413', async () => {
    const nodes = Array.from({ length: 10_001 }, (_, i) => ({ id: `n${i}`, op: 'neg', args: [i === 0 ? 'x' : `n${i - 1}`] }));
    const r = await graph({ inputs: { x: 1 }, nodes });
    expect(r.status).toBe(413);
  });

  it('a node whose args hold a flat array of 500k names is handled', async () => {
    const r = await graph({ inputs: { x: 1 }, nodes: [{ id: 'y', op: 'add', args: ['x', new Array(500_000).fill('x')] }] });
    expect([400, 413, 422]).toContain(r.status);
  });

  it('a 10k-long cycle is found without a stack overflow', async () => {
    const nodes = Array.from({ length: 10_000 }, (_, i) => ({ id: `n${i}`, op: 'neg', args: [`n${(i + 1) % 10_000}`] }));
    const r = await graph({ inputs: { x: 1 }, nodes });
    expect(r.status).toBe(422);
    expect(r.body.type).toBe('/problems/cycle');
  });

  it('a node whose args nest 100k arrays deep is refused, not overflowed', async () => {
    const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    const payload = `{"inputs": {"x": 1}, "nodes": [{"id": "y", "op": "add", "args": ["x", ${deep}]}]}`;
    const res = await app.inject({ method: 'POST', url: '/v1/graph', payload, headers: { 'content-type': 'application/json' } });
    expect([400, 413, 422]).toContain(res.statusCode);
    await stillServes();
  });
});

// ---- random node lists from real op names ----------------------------------

describe('random node lists (fast-check)', () => {
  it('every answer is 200, 400, 413 or 422 — never 500, never a hang', async () => {
    const ops = (await app.inject({ method: 'GET', url: '/v1/ops' })).json().ops as Array<{ name: string; args: Array<{ name: string; type: string; optional: boolean; default?: unknown; keyword_only: boolean }> }>;
    expect(ops.length).toBeGreaterThan(50);
    const opNames = ops.map((o) => o.name);
    const argNames = [...new Set(ops.flatMap((o) => o.args.map((a) => a.name)))];

    const inputs = {
      s: 1.5,
      v: { data: [1, -2, 3], requires_grad: true },
      m: [[1, 2], [3, 4]],
      i: { data: [0, 1], dtype: 'int64' },
      b: { data: [true, false], dtype: 'bool' },
      d: { data: [[0.5, -1], [2, 0]], dtype: 'float64', requires_grad: true },
      e: { data: [], shape: [0] },
      z: { data: [0, 0, 0], shape: [3, 1] },
    };
    const names = Object.keys(inputs);
    const literal = fc.oneof(
      fc.constantFrom(...names),
      fc.integer({ min: -3, max: 5 }),
      fc.constantFrom(0.5, -1.5, 1e9, -1e300, 2 ** 53, 1e-30),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom('mean', 'sum', 'none', 'tanh', 'float64', 'int64', 'bool', 'inf', 'NaN', '-inf', 'fro', '', 'constructor'),
      fc.array(fc.integer({ min: -2, max: 4 }), { maxLength: 4 }),
      fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }),
      fc.constant([[1, 2], [3]]),
    );
    // An op, then arguments shaped by its schema: values mostly of the
    // argument's type (so many graphs reach the engine), sometimes anything;
    // mostly the required positional ones, sometimes more or fewer; keyword
    // names mostly its own.
    const nodeArb = (k: number) => {
      const tensors = fc.constantFrom(...names, ...Array.from({ length: k }, (_, j) => `n${j}`));
      const typed = (type: string): fc.Arbitrary<unknown> => {
        switch (type) {
          case 'Tensor':
            return tensors;
          case 'Tensor[]':
            return fc.array(tensors, { minLength: 1, maxLength: 3 });
          case 'int':
            return fc.integer({ min: -3, max: 4 });
          case 'int[]':
            return fc.array(fc.integer({ min: -2, max: 4 }), { maxLength: 3 });
          case 'bool':
            return fc.boolean();
          case 'str':
            return fc.constantFrom('mean', 'sum', 'none', 'tanh', 'floor', 'trunc', 'bogus');
          case 'ScalarType':
            return fc.constantFrom('float32', 'float64', 'int64', 'bool', 'half');
          default:
            return fc.oneof(fc.integer({ min: -3, max: 5 }), fc.constantFrom(0.5, -1.5, 1e9, 'inf', 'NaN'));
        }
      };
      const value = (type: string) => fc.oneof({ arbitrary: typed(type), weight: 6 }, { arbitrary: literal, weight: 1 });
      return fc.constantFrom(...ops).chain((op) => {
        const required = op.args.filter((a) => !a.keyword_only && a.default === undefined && !a.optional);
        const optional = op.args.filter((a) => !required.includes(a));
        return fc.record({
          op: fc.oneof({ arbitrary: fc.constant(op.name), weight: 19 }, { arbitrary: fc.constantFrom(...opNames), weight: 1 }),
          args: fc.oneof(
            { arbitrary: fc.tuple(...required.map((a) => value(a.type))), weight: 8 },
            { arbitrary: fc.array(value('Tensor'), { maxLength: op.args.length + 1 }), weight: 1 },
          ),
          kwargs: fc.oneof(
            { arbitrary: fc.constant({}), weight: 2 },
            {
              arbitrary: optional.length > 0 ? fc.constantFrom(...optional).chain((a) => value(a.type).map((v) => ({ [a.name]: v }))) : fc.constant({}),
              weight: 2,
            },
            { arbitrary: fc.dictionary(fc.constantFrom(...argNames, 'bogus'), literal, { maxKeys: 2 }), weight: 1 },
          ),
        });
      });
    };
    const graphArb = fc
      .integer({ min: 1, max: 3 })
      .chain((len) => fc.tuple(...Array.from({ length: len }, (_, k) => nodeArb(k))))
      .map((specs) => specs.map((s, k) => ({ id: `n${k}`, ...s })));
    const backwardArb = fc.option(
      fc.record({ of: fc.constantFrom('n0', 'n1', 's', 'v'), wrt: fc.option(fc.array(fc.constantFrom('v', 'd', 'n0', 's', 'i'), { maxLength: 2 }), { nil: undefined }) }),
      { nil: undefined },
    );

    const seen = new Map<number, number>();
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(graphArb, backwardArb, fc.boolean(), async (nodes, backward, dryRun) => {
        const body: Record<string, unknown> = { inputs, nodes };
        if (backward) body.backward = backward;
        if (dryRun) body.dry_run = true;
        const r = await graph(body);
        seen.set(r.status, (seen.get(r.status) ?? 0) + 1);
        if (r.status >= 500) failures.push(`${r.status} ${JSON.stringify(r.body).slice(0, 200)} for ${JSON.stringify(body)}`);
        expect([200, 400, 413, 422], `${r.status} ${JSON.stringify(r.body).slice(0, 300)} for ${JSON.stringify(body)}`).toContain(r.status);
        expect(r.headers['content-type']).toMatch(r.status === 200 ? /^application\/json/ : /^application\/problem\+json/);
        expect(r.ms).toBeLessThan(5000);
      }),
      { numRuns: 2000 },
    );
    // the run exercised both successes and refusals
    expect(failures).toEqual([]);
    expect(seen.get(200) ?? 0).toBeGreaterThan(40);
    expect(seen.get(422) ?? 0).toBeGreaterThan(100);
    await stillServes();
  }, 240_000);
});
