// Every row of API.md's error table that applies to POST /v1/graph, through
// app.inject: status, application/problem+json, the RFC 9457 body (type,
// title, status, detail, errors[].path) and a message a user can act on.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { post, testApp } from '../helpers.js';

type Res = Awaited<ReturnType<typeof post>>;

let app: FastifyInstance;
const extra: FastifyInstance[] = [];
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => {
  await Promise.all([app, ...extra].map((a) => a.close()));
});

async function appWith(overrides: Partial<Config>): Promise<FastifyInstance> {
  const a = await testApp(overrides);
  extra.push(a);
  return a;
}

async function raw(a: FastifyInstance, payload: string, contentType = 'application/json'): Promise<Res> {
  const res = await a.inject({ method: 'POST', url: '/v1/graph', payload, headers: { 'content-type': contentType } });
  return { status: res.statusCode, headers: res.headers, body: res.json() as Record<string, any> };
}

/** Asserts an RFC 9457 answer; returns its body for further checks. */
function problem(r: Res, status: number, type: string, detail: RegExp): Record<string, any> {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(r.body.type).toBe(`/problems/${type}`);
  expect(typeof r.body.title).toBe('string');
  expect(r.body.title.length).toBeGreaterThan(0);
  expect(r.body.status).toBe(status);
  expect(r.body.detail).toMatch(detail);
  if (r.body.errors !== undefined) {
    expect(Array.isArray(r.body.errors)).toBe(true);
    for (const e of r.body.errors) {
      expect(typeof e.path).toBe('string');
      expect(e.path).toMatch(/^\//);
      expect(typeof e.message).toBe('string');
    }
  }
  return r.body;
}

/** The first errors[] entry, which must exist. */
function firstError(body: Record<string, any>): { path: string; message: string; line?: number; column?: number } {
  expect(body.errors, 'errors[] is present').toBeDefined();
  expect(body.errors.length).toBeGreaterThan(0);
  return body.errors[0];
}

describe('400: the body is not JSON, not an object, does not match the schema, or has a syntax error', () => {
  it('a body that is not JSON says where it breaks', async () => {
    const r = await raw(app, '{"inputs": {"x": 1}, "program": "y = x" ');
    problem(r, 400, 'invalid-json', /not valid JSON.*position \d+/);
  });

  it('an empty JSON body', async () => {
    problem(await raw(app, ''), 400, 'invalid-json', /empty/);
  });

  it('a body that is JSON but not an object: an array, a string, a number, null', async () => {
    for (const payload of ['[1, 2]', '"y = 1"', '42', 'null']) {
      const b = problem(await raw(app, payload), 400, 'invalid-request', /does not match the schema|expected object/);
      expect(firstError(b).path).toBe('/');
    }
  });

  it('a schema mismatch: inputs: 5 points at /inputs', async () => {
    const b = problem(await post(app, '/v1/graph', { inputs: 5, program: 'y = 1' }), 400, 'invalid-request', /\/inputs/);
    expect(firstError(b).path).toBe('/inputs');
  });

  it('schema mismatches deeper in the body are located too', async () => {
    let b = problem(await post(app, '/v1/graph', { program: 42 }), 400, 'invalid-request', /\/program/);
    expect(firstError(b).path).toBe('/program');
    b = problem(await post(app, '/v1/graph', { nodes: [{ id: 'a', op: 'neg', args: 'x' }] }), 400, 'invalid-request', /\/nodes\/0\/args/);
    expect(firstError(b).path).toBe('/nodes/0/args');
    b = problem(await post(app, '/v1/graph', { program: 'y = 1', outputs: 'y' }), 400, 'invalid-request', /\/outputs/);
    expect(firstError(b).path).toBe('/outputs');
    b = problem(await post(app, '/v1/graph', { program: 'y = 1', dry_run: 'yes' }), 400, 'invalid-request', /\/dry_run/);
  });

  it('neither program nor nodes, or both', async () => {
    problem(await post(app, '/v1/graph', { inputs: { x: 1 } }), 400, 'invalid-request', /'program'.*'nodes'/);
    problem(await post(app, '/v1/graph', { program: 'y = 1', nodes: [] }), 400, 'invalid-request', /either as 'program' or as 'nodes', not both/);
  });

  it('a program syntax error gives line and column in the detail and in errors[0]', async () => {
    const r = await post(app, '/v1/graph', { inputs: { x: 1 }, program: 'a = x\ny = x +* 2' });
    const b = problem(r, 400, 'syntax-error', /^line 2, column 8: expected an expression, found '\*'/);
    expect(firstError(b)).toEqual({ path: '/program', line: 2, column: 8, message: "expected an expression, found '*'" });
  });

  it('an unclosed bracket is reported where it opens', async () => {
    let b = problem(await post(app, '/v1/graph', { inputs: { x: 1 }, program: 'y = sum(x' }), 400, 'syntax-error', /'\(' was never closed/);
    expect(firstError(b)).toMatchObject({ path: '/program', line: 1, column: 8 });
    // a newline inside brackets continues the statement, so the next line is where it fails; the message says where the call opened
    b = problem(await post(app, '/v1/graph', { inputs: { x: 1 }, program: 'y = sum(x\nz = y' }), 400, 'syntax-error', /expected '\)' to close the call opened at line 1, column 8, found 'z'/);
    expect(firstError(b)).toMatchObject({ path: '/program', line: 2, column: 1 });
  });

  it("a '__proto__' key is named as the problem (not called invalid JSON)", async () => {
    const b = problem(await raw(app, '{"inputs": {"__proto__": 1}, "program": "y = 1"}'), 400, 'invalid-request', /'__proto__' is not accepted.*rename it/);
    expect(firstError(b).path).toBe('/inputs/__proto__');
  });
});

describe('404: unknown route', () => {
  it('lists the routes', async () => {
    for (const [method, url] of [
      ['POST', '/v1/graphs'],
      ['GET', '/v1/nope?x=1'],
      ['POST', '/'],
    ] as const) {
      const res = await app.inject({ method, url, payload: method === 'POST' ? {} : undefined });
      const b = problem({ status: res.statusCode, headers: res.headers, body: res.json() }, 404, 'not-found', /POST \/v1\/graph.*GET \/v1\/ops/);
      expect(b.detail).toContain(`${method} ${url.split('?')[0]}`);
    }
  });
});

describe('413: over a size limit, refused before any work is done', () => {
  it('a body over bodyLimitBytes', async () => {
    const small = await appWith({ bodyLimitBytes: 1024 });
    const r = await post(small, '/v1/graph', { inputs: { x: new Array(1000).fill(1.5) }, program: 'y = x * 2' });
    problem(r, 413, 'too-large', /BODY_LIMIT_BYTES \(1024 bytes\)/);
    // the same app still answers a body under the limit
    expect((await post(small, '/v1/graph', { inputs: { x: 1 }, program: 'y = x * 2' })).status).toBe(200);
  });

  describe('with small limits', () => {
    let limited: FastifyInstance;
    beforeAll(async () => {
      limited = await appWith({ maxTensorElements: 1000, maxGraphNodes: 10, maxJobFlops: 1_000_000 });
    });

    it('an input tensor over maxTensorElements, at its path', async () => {
      const r = await post(limited, '/v1/graph', { inputs: { big: { data: new Array(1001).fill(0), shape: [1001] } }, program: 'y = big * 2' });
      const b = problem(r, 413, 'too-large', /MAX_TENSOR_ELEMENTS|1000/);
      expect(firstError(b).path).toMatch(/^\/inputs\/big/);
    });

    it('a computed tensor over maxTensorElements, at its program line', async () => {
      const b = problem(await post(limited, '/v1/graph', { program: 'a = ones(10)\nb = zeros(40, 40)' }), 413, 'too-large', /\[40, 40\].*MAX_TENSOR_ELEMENTS \(1000\)/);
      expect(firstError(b)).toMatchObject({ path: '/program', line: 2 });
    });

    it('a tensor literal over maxTensorElements', async () => {
      const lit = `[${new Array(1001).fill('1').join(',')}]`;
      problem(await post(limited, '/v1/graph', { program: `y = sum(${lit})` }), 413, 'too-large', /MAX_TENSOR_ELEMENTS \(1000\)/);
    });

    it('a program over maxGraphNodes', async () => {
      const program = 'y = x' + ' + x'.repeat(11);
      const b = problem(await post(limited, '/v1/graph', { inputs: { x: 1 }, program }), 413, 'too-large', /MAX_GRAPH_NODES \(10\)/);
      expect(firstError(b).path).toBe('/program');
    });

    it('a node list over maxGraphNodes', async () => {
      const nodes = Array.from({ length: 11 }, (_, i) => ({ id: `n${i}`, op: 'neg', args: [i === 0 ? 'x' : `n${i - 1}`] }));
      const b = problem(await post(limited, '/v1/graph', { inputs: { x: 1 }, nodes }), 413, 'too-large', /MAX_GRAPH_NODES \(10\)/);
      expect(firstError(b).path).toBe('/nodes/10');
    });

    it('more statements than maxGraphNodes is 413, not a syntax error', async () => {
      problem(await post(limited, '/v1/graph', { inputs: { x: 1 }, program: 'y = x\n'.repeat(11) }), 413, 'too-large', /more than 10 statements/);
    });

    it('estimated FLOPs over maxJobFlops (a 100x100 matmul is 2e6), located at the op that passes it', async () => {
      const flops = await appWith({ maxJobFlops: 1_000_000 });
      const t0 = performance.now();
      const b = problem(await post(flops, '/v1/graph', { program: 'a = ones(100, 100)\nb = a * a\nc = b @ a' }), 413, 'too-large', /MAX_JOB_FLOPS \(1000000/);
      expect(firstError(b)).toMatchObject({ path: '/program', line: 3 });
      expect(performance.now() - t0).toBeLessThan(2000);
      // the same graph in a node list points at the node
      const n = await post(flops, '/v1/graph', {
        inputs: { a: { data: new Array(10_000).fill(1), shape: [100, 100] } },
        nodes: [{ id: 'b', op: 'mul', args: ['a', 'a'] }, { id: 'c', op: 'matmul', args: ['b', 'a'] }],
      });
      expect(firstError(problem(n, 413, 'too-large', /MAX_JOB_FLOPS/)).path).toBe('/nodes/1');
    });

    it('a dry run is held to the same limits', async () => {
      const r = await post(limited, '/v1/graph', { inputs: { a: { shape: [100, 100], dtype: 'float32' } }, program: 'b = a @ a', dry_run: true });
      problem(r, 413, 'too-large', /MAX_TENSOR_ELEMENTS|MAX_JOB_FLOPS/);
    });
  });

  it('zeros([100000, 100000]) with default limits is refused by the cost check, fast, without allocating', async () => {
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    const b = problem(await post(app, '/v1/graph', { program: 'y = zeros([100000, 100000])' }), 413, 'too-large', /\[100000, 100000\].*MAX_TENSOR_ELEMENTS/);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(firstError(b)).toMatchObject({ path: '/program', line: 1, column: 5 });
    expect(process.memoryUsage().rss - before).toBeLessThan(512 * 1024 * 1024);
  });

  it('ones(100000, 100000).sum() and full([65536, 65536], 1) are refused the same way', async () => {
    for (const program of ['y = ones(100000, 100000).sum()', 'y = full([65536, 65536], 1.0)', 'y = zeros([4096, 4096, 4096])']) {
      const t0 = performance.now();
      problem(await post(app, '/v1/graph', { program }), 413, 'too-large', /MAX_TENSOR_ELEMENTS/);
      expect(performance.now() - t0).toBeLessThan(1000);
    }
  });
});

describe('422: well-formed but wrong', () => {
  it('an unknown tensor name in a program, at its line and column', async () => {
    const b = problem(await post(app, '/v1/graph', { inputs: { x: 1 }, program: 'a = x\nb = a + nope' }), 422, 'unknown-name', /line 2, column 9: name 'nope' is not defined/);
    expect(firstError(b)).toMatchObject({ path: '/program', line: 2, column: 9 });
  });

  it('an unknown tensor name in a node list, at its argument', async () => {
    const b = problem(await post(app, '/v1/graph', { inputs: { x: 1 }, nodes: [{ id: 'y', op: 'add', args: ['x', 'nope'] }] }), 422, 'unknown-name', /no tensor named 'nope'/);
    expect(firstError(b).path).toBe('/nodes/0/args/1');
  });

  it('an unknown name in outputs or backward', async () => {
    let b = problem(await post(app, '/v1/graph', { inputs: { x: 1 }, program: 'y = x * 2', outputs: ['y', 'zz'] }), 422, 'unknown-name', /no value named 'zz' \(inputs: x; assigned: y\)/);
    expect(firstError(b).path).toBe('/outputs/1');
    b = problem(await post(app, '/v1/graph', { inputs: { x: 1 }, program: 'y = x * 2', backward: { of: 'y', wrt: ['w'] } }), 422, 'unknown-name', /'w'/);
    expect(firstError(b).path).toBe('/backward/wrt/0');
  });

  it('an unknown op says "did you mean"', async () => {
    let b = problem(await post(app, '/v1/graph', { inputs: { x: 1 }, program: 'y = sigmiod(x)' }), 422, 'unknown-op', /unknown op 'sigmiod' \(did you mean 'sigmoid'.*\?\).*GET \/v1\/ops/);
    expect(firstError(b)).toMatchObject({ path: '/program', line: 1, column: 5 });
    b = problem(await post(app, '/v1/graph', { inputs: { x: 1 }, nodes: [{ id: 'y', op: 'mse_los', args: ['x', 'x'] }] }), 422, 'unknown-op', /did you mean 'mse_loss'/);
    expect(firstError(b).path).toBe('/nodes/0');
  });

  it('an unknown keyword argument lists the arguments', async () => {
    let b = problem(await post(app, '/v1/graph', { inputs: { x: [1, 2] }, program: 'y = sum(x, axis=0)' }), 422, 'invalid-argument', /sum\(\) got an unexpected keyword argument 'axis' \(its arguments: input, dim, keepdim\)/);
    expect(firstError(b)).toMatchObject({ path: '/program', line: 1, column: 12 });
    b = problem(await post(app, '/v1/graph', { inputs: { x: [1, 2] }, nodes: [{ id: 'y', op: 'sum', args: ['x'], kwargs: { axis: 0 } }] }), 422, 'invalid-argument', /unexpected keyword argument 'axis'/);
    expect(firstError(b).path).toBe('/nodes/0/kwargs/axis');
  });

  it('a missing argument, and too many', async () => {
    problem(await post(app, '/v1/graph', { inputs: { x: [1, 2] }, program: 'y = mse_loss(x)' }), 422, 'invalid-argument', /mse_loss\(\) missing required argument 'target'/);
    problem(await post(app, '/v1/graph', { inputs: { x: [1, 2] }, program: 'y = neg(x, x)' }), 422, 'invalid-argument', /neg\(\) takes 1 positional argument but 2 were given/);
  });

  it('a cycle in the node form names its path', async () => {
    const b = problem(
      await post(app, '/v1/graph', {
        inputs: { x: 1 },
        nodes: [
          { id: 'a', op: 'add', args: ['x', 'c'] },
          { id: 'b', op: 'neg', args: ['a'] },
          { id: 'c', op: 'exp', args: ['b'] },
        ],
      }),
      422,
      'cycle',
      /cycle: a -> c -> b -> a/,
    );
    expect(firstError(b).path).toMatch(/^\/nodes\/\d$/);
    problem(await post(app, '/v1/graph', { inputs: { x: 1 }, nodes: [{ id: 'a', op: 'add', args: ['a', 'x'] }] }), 422, 'cycle', /a -> a/);
  });

  it("a shape mismatch uses PyTorch's wording and points at the node", async () => {
    const inputs = { a: [[1, 2, 3]], b: [[1, 2, 3, 4]] };
    const detail = 'The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1';
    let b = problem(
      await post(app, '/v1/graph', { inputs, nodes: [{ id: 'c', op: 'mul', args: ['a', 'a'] }, { id: 'd', op: 'add', args: ['a', 'b'] }] }),
      422,
      'shape-mismatch',
      new RegExp(`^${detail.replace(/[()]/g, '\\$&')}$`),
    );
    expect(firstError(b)).toEqual({ path: '/nodes/1', message: detail });
    b = problem(await post(app, '/v1/graph', { inputs, program: 'c = a * a\nd = a + b' }), 422, 'shape-mismatch', new RegExp(detail.replace(/[()]/g, '\\$&')));
    expect(firstError(b)).toEqual({ path: '/program', line: 2, column: 7, message: detail });
  });

  it('a matmul shape mismatch', async () => {
    const r = await post(app, '/v1/graph', { inputs: { a: [[1, 2, 3]], b: [[1, 2]] }, program: 'c = a @ b' });
    problem(r, 422, 'shape-mismatch', /cannot be multiplied|1x3 and 1x2/);
  });

  it('a dtype mismatch', async () => {
    // Integer-valued float class targets are cast (API.md); bool ones are not.
    let b = problem(await post(app, '/v1/graph', { inputs: { x: [[1, 2]], t: [true] }, program: 'y = nll_loss(x, t)' }), 422, 'dtype-mismatch', /expected scalar type Long but found Bool/);
    expect(firstError(b)).toMatchObject({ path: '/program', line: 1 });
    b = problem(await post(app, '/v1/graph', { inputs: { x: [1.0, 2.0] }, program: 'y = where(x, x, x)' }), 422, 'dtype-mismatch', /where expected condition to be a boolean tensor/);
  });

  it('requires_grad on an integer tensor', async () => {
    const r = await post(app, '/v1/graph', { inputs: { i: { data: [1, 2], dtype: 'int64', requires_grad: true } }, program: 'y = i * 2' });
    expect(r.status).toBe(422);
    expect(r.body.detail).toMatch(/only [Tt]ensors of floating point dtype can require gradients/);
    expect(firstError(r.body).path).toMatch(/^\/inputs\/i/);
  });

  it('non-scalar backward.of without grad_output: "grad can be implicitly created only for scalar outputs"', async () => {
    const b = problem(
      await post(app, '/v1/graph', { inputs: { x: { data: [1, 2], requires_grad: true } }, program: 'y = x * 2', backward: { of: 'y', wrt: ['x'] } }),
      422,
      'shape-mismatch',
      /^grad can be implicitly created only for scalar outputs$/,
    );
    expect(firstError(b).path).toBe('/backward/of');
    // the implicit backward (requires_grad, no `backward`) says the same
    problem(await post(app, '/v1/graph', { inputs: { x: { data: [1, 2], requires_grad: true } }, program: 'y = x * 2' }), 422, 'shape-mismatch', /implicitly created only for scalar outputs/);
    // and with grad_output it works
    const ok = await post(app, '/v1/graph', { inputs: { x: { data: [1, 2], requires_grad: true } }, program: 'y = x * 2', backward: { of: 'y', grad_output: [1, 10] } });
    expect(ok.status).toBe(200);
    expect(ok.body.grads.x.data).toEqual([2, 20]);
  });

  it('a bad option value names the allowed values', async () => {
    let b = problem(await post(app, '/v1/graph', { inputs: { x: [1, 2] }, program: 'y = mse_loss(x, x, reduction="average")' }), 422, 'invalid-value', /average is not a valid value for reduction \(expected 'none', 'mean' or 'sum'\)/);
    expect(firstError(b)).toMatchObject({ path: '/program', line: 1 });
    b = problem(await post(app, '/v1/graph', { inputs: { x: [1, 2] }, nodes: [{ id: 'y', op: 'gelu', args: ['x'], kwargs: { approximate: 'exact' } }] }), 422, 'invalid-value', /approximate argument must be either none or tanh/);
    expect(firstError(b).path).toBe('/nodes/0');
  });

  it('an argument of the wrong type', async () => {
    const b = problem(await post(app, '/v1/graph', { inputs: { x: [1, 2] }, program: 'y = sum(x, keepdim="yes")' }), 422, 'invalid-argument', /sum\(\): argument 'keepdim' must be true or false, not "yes"/);
    expect(firstError(b)).toMatchObject({ path: '/program', line: 1, column: 12 });
  });
});

describe('503: the work queue is full', () => {
  it('answers 503 with Retry-After when all workers are busy and the queue is full', async () => {
    const busy = await appWith({ workers: 1, maxQueue: 1 });
    // ~2 GFLOP per matmul: each job keeps the only worker busy for a while.
    const slow = { program: `a = ones(1000, 1000)\nb = a${' @ a'.repeat(4)}\ns = sum(b)` };
    const rs = await Promise.all(Array.from({ length: 5 }, () => post(busy, '/v1/graph', slow)));
    const statuses = rs.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    for (const r of rs.filter((x) => x.status === 503)) {
      problem(r, 503, 'overloaded', /workers are busy.*retry/);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
    }
    // once the queue drains, the same app serves again
    expect((await post(busy, '/v1/graph', { inputs: { x: 1 }, program: 'y = x + 1' })).status).toBe(200);
  }, 60_000);
});

/** Sends a small job until one is answered: a fresh app's worker needs a moment to boot, and JOB_DEADLINE_MS counts from submission. */
async function warm(a: FastifyInstance): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await post(a, '/v1/graph', { inputs: { x: 1 }, program: 'y = x + 1' })).status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the worker never answered');
}

describe('504: the job passed its deadline', () => {
  it('stops a long job at jobDeadlineMs and frees the worker for the next request', async () => {
    const timed = await appWith({ workers: 1, jobDeadlineMs: 50 });
    await warm(timed);
    const t0 = performance.now();
    const r = await post(timed, '/v1/graph', { program: `a = ones(1000, 1000)\nb = a${' @ a'.repeat(20)}\ns = sum(b)` });
    const took = performance.now() - t0;
    // the pool's timer ("ran longer than JOB_DEADLINE_MS (50 ms)") or the engine's own deadline check, whichever fires first
    problem(r, 504, 'deadline-exceeded', /JOB_DEADLINE_MS/);
    expect(took).toBeLessThan(50 + 1500);
    // The worker stops the long job at its next check, inside the current
    // GEMM chunk; until then a small job (50 ms deadline from submission) can
    // itself time out, which happens only in slow builds (ASan in
    // `npm run sanitizers`). Freed means: answered within a second.
    const t1 = performance.now();
    let small = await post(timed, '/v1/graph', { inputs: { x: 2 }, program: 'y = x * 3' });
    while (small.status === 504 && performance.now() - t1 < 1000) small = await post(timed, '/v1/graph', { inputs: { x: 2 }, program: 'y = x * 3' });
    expect(small.status).toBe(200);
    expect(small.body.outputs.y.data).toBe(6);
    expect(performance.now() - t1).toBeLessThan(1000);
  });

  it('a jacobian of a large output is stopped too', async () => {
    const timed = await appWith({ workers: 1, jobDeadlineMs: 50 });
    await warm(timed);
    const t0 = performance.now();
    const r = await post(timed, '/v1/graph', { program: 'x = ones(3000)\ny = exp(x) * x\nj = jacobian(y, x)\ns = sum(j)', outputs: ['s'] });
    // 3000 backward passes over 3000 elements: far more than 50 ms
    problem(r, 504, 'deadline-exceeded', /JOB_DEADLINE_MS/);
    expect(performance.now() - t0).toBeLessThan(50 + 1500);
    expect((await post(timed, '/v1/graph', { inputs: { x: 1 }, program: 'y = x + 1' })).status).toBe(200);
  });
});
