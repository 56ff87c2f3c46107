// POST /v1/optimizers/{name}/step, GET /v1/optimizers and /v1/schedulers,
// POST /v1/optimize: textbook examples, every error of the issue, the NDJSON
// stream, the SVG curve, limits and the deadline.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, flat, post, testApp } from '../helpers.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp({ maxOptimizeSteps: 5000 });
});
afterAll(async () => {
  await app.close();
});

const sgdStep = (extra: Record<string, unknown> = {}) =>
  post(app, '/v1/optimizers/sgd/step', { params: { w: [[0.6614, 0.2669], [0.0617, 0.6213]] }, grads: { w: [[1, 1], [1, 1]] }, lr: 0.1, ...extra });

describe('catalogues', () => {
  it('GET /v1/optimizers lists every optimizer with hyper-parameters and defaults', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/optimizers' });
    expect(res.statusCode).toBe(200);
    const list = res.json().optimizers as Array<{ name: string; class: string; hyperparameters: Array<{ name: string; default?: unknown; required: boolean }> }>;
    expect(list.map((o) => o.name)).toEqual(['sgd', 'asgd', 'rprop', 'adagrad', 'adadelta', 'rmsprop', 'adam', 'adamw', 'adamax', 'nadam', 'radam', 'sparse_adam', 'lbfgs']);
    const adam = list.find((o) => o.name === 'adam')!;
    expect(adam.class).toBe('Adam');
    expect(adam.hyperparameters.find((h) => h.name === 'betas')?.default).toEqual([0.9, 0.999]);
    expect(list.find((o) => o.name === 'sgd')!.hyperparameters.find((h) => h.name === 'lr')?.required).toBe(true);
    expect(list.find((o) => o.name === 'lbfgs')!.hyperparameters.map((h) => h.name)).toContain('line_search_fn');
  });

  it('GET /v1/schedulers lists every scheduler with its options', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/schedulers' });
    expect(res.statusCode).toBe(200);
    const names = (res.json().schedulers as Array<{ name: string }>).map((s) => s.name);
    for (const n of ['step_lr', 'multi_step_lr', 'exponential_lr', 'cosine_annealing_lr', 'cosine_annealing_warm_restarts', 'linear_lr', 'constant_lr', 'polynomial_lr', 'one_cycle_lr', 'cyclic_lr', 'reduce_lr_on_plateau', 'sequential_lr', 'chained_scheduler'])
      expect(names).toContain(n);
  });
});

describe('POST /v1/optimizers/{name}/step', () => {
  it('one SGD step from [[0.6614, 0.2669], [0.0617, 0.6213]] with gradient 1 and lr 0.1', async () => {
    const res = await sgdStep();
    expect(res.status).toBe(200);
    expect(close(res.body.params.w.data, [[0.5614, 0.1669], [-0.0383, 0.5213]], 1e-6, 1e-6)).toBe(true);
    expect(res.body.state).toEqual({
      state: { w: { momentum_buffer: null } },
      param_groups: [{ params: ['w'], lr: 0.1, momentum: 0, dampening: 0, weight_decay: 0, nesterov: false, maximize: false }],
    });
  });

  it('keeps exactly the buffers PyTorch keeps, with step as a number', async () => {
    const res = await post(app, '/v1/optimizers/adam/step', { params: { w: [1, 2] }, grads: { w: [0.1, 0.2] }, amsgrad: true });
    expect(Object.keys(res.body.state.state.w)).toEqual(['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
    expect(res.body.state.state.w.step).toBe(1);
    const nadam = await post(app, '/v1/optimizers/NAdam/step', { params: { w: [1, 2] }, grads: { w: [0.1, 0.2] } });
    expect(Object.keys(nadam.body.state.state.w)).toEqual(['step', 'mu_product', 'exp_avg', 'exp_avg_sq']);
  });

  it('three calls of one step equal one call of "steps": 3', async () => {
    const body = { params: { w: [1, -2, 3] }, grads: { w: [0.5, 0.1, -0.3] }, lr: 0.01, momentum: 0.9, nesterov: true };
    const once = await post(app, '/v1/optimizers/sgd/step', { ...body, steps: 3 });
    let params: unknown = body.params;
    let state: unknown = null;
    for (let i = 0; i < 3; i++) {
      const r = await post(app, '/v1/optimizers/sgd/step', { ...body, params, state });
      params = r.body.params;
      state = r.body.state;
    }
    expect(params).toEqual(once.body.params);
    expect(state).toEqual(once.body.state);
  });

  it.each([
    ['params and grads with different names', { params: { w: [1] }, grads: { v: [1] }, lr: 0.1 }, 'unknown-name', /not among the parameters/],
    ['a missing gradient', { params: { w: [1], b: [2] }, grads: { w: [1] }, lr: 0.1 }, 'unknown-name', /no gradient for parameter 'b'/],
    ['shapes that differ', { params: { w: [1, 2] }, grads: { w: [1, 2, 3] }, lr: 0.1 }, 'shape-mismatch', /shape \[3\] but the parameter has shape \[2\]/],
    ['a negative lr', { params: { w: [1] }, grads: { w: [1] }, lr: -1 }, 'invalid-value', /Invalid learning rate: -1.0/],
    ['nesterov without momentum', { params: { w: [1] }, grads: { w: [1] }, lr: 0.1, nesterov: true }, 'invalid-value', /Nesterov momentum requires a momentum and zero dampening/],
    ['an unknown hyper-parameter', { params: { w: [1] }, grads: { w: [1] }, lr: 0.1, momentun: 0.9 }, 'invalid-value', /has no hyper-parameter 'momentun'/],
    ['a missing lr for SGD', { params: { w: [1] }, grads: { w: [1] } }, 'invalid-value', /needs 'lr'/],
    ['a state from another optimizer', { params: { w: [1] }, grads: { w: [1] }, lr: 0.1, momentum: 0.9, state: { state: { w: { step: 1, exp_avg: [0], exp_avg_sq: [0] } } } }, 'invalid-value', /SGD does not keep/],
    ['a state with a wrong shape', { params: { w: [1, 2] }, grads: { w: [1, 2] }, lr: 0.1, momentum: 0.9, state: { state: { w: { momentum_buffer: [1, 2, 3] } } } }, 'shape-mismatch', /momentum_buffer' has shape \[3\]/],
    ['a state for an unknown parameter', { params: { w: [1] }, grads: { w: [1] }, lr: 0.1, state: { state: { v: { momentum_buffer: null } } } }, 'unknown-name', /'v'/],
    ['a parameter in no group', { params: { w: [1], b: [1] }, grads: { w: [1], b: [1] }, lr: 0.1, param_groups: [{ params: ['w'] }] }, 'invalid-argument', /'b' in no param group/],
    ['a parameter in two groups', { params: { w: [1] }, grads: { w: [1] }, lr: 0.1, param_groups: [{ params: ['w'] }, { params: ['w'] }] }, 'invalid-argument', /more than one parameter group/],
  ])('%s is a 422', async (_label, body, type, detail) => {
    const res = await post(app, '/v1/optimizers/sgd/step', body);
    expect(res.status).toBe(422);
    expect(res.body.type).toBe(`/problems/${type}`);
    expect(res.body.detail).toMatch(detail);
  });

  it.each([
    ['adam', { betas: [0.9, 1.0] }, /Invalid beta parameter at index 1: 1.0/],
    ['adam', { eps: -1 }, /Invalid epsilon value/],
    ['rprop', { etas: [1.2, 0.5] }, /Invalid eta values: 1.2, 0.5/],
    ['adadelta', { rho: 1.5 }, /Invalid rho value: 1.5/],
    ['nadam', { momentum_decay: -0.1 }, /Invalid momentum_decay value/],
    ['sparse_adam', { lr: 0 }, /Invalid learning rate: 0.0/],
    ['adam', { betas: 0.9 }, /'betas' must be a pair of numbers/],
  ])('%s with %j is a 422 with PyTorch\'s message', async (name, opts, detail) => {
    const res = await post(app, `/v1/optimizers/${name}/step`, { params: { w: [1] }, grads: { w: [1] }, ...opts });
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(detail);
  });

  it('an unknown optimizer is a 404 listing the names; lbfgs needs /v1/optimize', async () => {
    const res = await post(app, '/v1/optimizers/adagrad2/step', { params: { w: [1] }, grads: { w: [1] } });
    expect(res.status).toBe(404);
    expect(res.body.detail).toMatch(/known optimizers: sgd, asgd, rprop/);
    const lb = await post(app, '/v1/optimizers/lbfgs/step', { params: { w: [1] }, grads: { w: [1] } });
    expect(lb.status).toBe(422);
    expect(lb.body.detail).toMatch(/POST \/v1\/optimize/);
  });

  it('a 10k-element SGD momentum step: JSON (numbers in JavaScript form) and base64 answers agree with the recurrence', async () => {
    const n = 10_000;
    const w = Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i)));
    const g = Array.from({ length: n }, (_, i) => Math.fround(Math.cos(i)));
    const body = { params: { w: { data: w, dtype: 'float32' } }, grads: { w: { data: g, dtype: 'float32' } }, lr: 0.1, momentum: 0.9 };
    const res = await app.inject({ method: 'POST', url: '/v1/optimizers/sgd/step', payload: body });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    // No whitespace, numbers as JavaScript writes them: the text survives a parse/stringify round trip.
    expect(JSON.stringify(JSON.parse(res.body))).toBe(res.body);
    const json = res.json();
    // The first momentum step: buf = g, w' = w - lr * g, all in float32.
    expect(json.params.w.data).toEqual(w.map((x, i) => Math.fround(x - Math.fround(Math.fround(0.1) * g[i]!))));
    expect(json.state.state.w.momentum_buffer.data).toEqual(g);
    const b64 = (await app.inject({ method: 'POST', url: '/v1/optimizers/sgd/step', payload: { ...body, encoding: 'base64' } })).json();
    expect(Array.from(new Float32Array(new Uint8Array(Buffer.from(b64.params.w.base64, 'base64')).buffer))).toEqual(json.params.w.data);
    expect(Array.from(new Float32Array(new Uint8Array(Buffer.from(b64.state.state.w.momentum_buffer.base64, 'base64')).buffer))).toEqual(g);
    expect(b64.state.param_groups).toEqual(json.state.param_groups);
  });

  it('steps over MAX_OPTIMIZE_STEPS is a 413', async () => {
    const res = await sgdStep({ steps: 5001 });
    expect(res.status).toBe(413);
    expect(res.body.detail).toMatch(/MAX_OPTIMIZE_STEPS \(5000\)/);
  });
});

const quad = (lr: number, steps: number) =>
  post(app, '/v1/optimize', { inputs: { x: { data: [2.0], dtype: 'float64', requires_grad: true } }, program: 'y = 4 * x ** 2', loss: 'y', optimizer: { name: 'sgd', lr }, steps, record: ['x'] });

describe('POST /v1/optimize', () => {
  it.each([0.01, 0.125, 0.2, 0.3])('gradient descent on y = 4x² from x = 2 with lr %s follows x(1 − 8·lr)^n', async (lr) => {
    const res = await quad(lr, 10);
    expect(res.status).toBe(200);
    const xs = flat(res.body.history.x);
    xs.forEach((x, n) => expect(x).toBeCloseTo(2 * Math.pow(1 - 8 * lr, n), 10));
    const final = flat(res.body.params.x.data)[0]!;
    if (lr === 0.3) expect(Math.abs(final)).toBeGreaterThan(2 * Math.pow(1.4, 9)); // diverges
    else if (lr === 0.125) expect(final).toBe(0); // one step to the minimum
    else expect(Math.abs(final)).toBeLessThan(2);
  });

  it('SGD with momentum 0.9 and plain SGD over 100 iterations follow their recurrences', async () => {
    const body = (momentum: number) => ({ inputs: { x: { data: [2.0], dtype: 'float64', requires_grad: true } }, program: 'y = (2 * x) ** 2', loss: 'y', optimizer: { name: 'sgd', lr: 0.01, momentum }, steps: 100, record: ['x'] });
    for (const momentum of [0, 0.9]) {
      const res = await post(app, '/v1/optimize', body(momentum));
      expect(res.body.history.loss).toHaveLength(100);
      let x = 2, v = 0;
      const xs: number[] = [];
      for (let i = 0; i < 100; i++) {
        xs.push(x);
        const g = 8 * x;
        v = i === 0 || momentum === 0 ? g : momentum * v + g;
        x -= 0.01 * v;
      }
      expect(close(res.body.history.x, xs.map((e) => [e]), 1e-12, 1e-14)).toBe(true);
      expect(close(res.body.params.x.data, [x], 1e-12, 1e-14)).toBe(true);
    }
  });

  it('continues from a returned state like one longer run', async () => {
    const base = { inputs: { w: { data: [1.5, -0.5], requires_grad: true } }, program: 'loss = ((w - 0.3) ** 2).sum()', loss: 'loss', optimizer: { name: 'adam', lr: 0.1 } };
    const long = await post(app, '/v1/optimize', { ...base, steps: 6 });
    const first = await post(app, '/v1/optimize', { ...base, steps: 3 });
    const second = await post(app, '/v1/optimize', { ...base, inputs: { w: { ...first.body.params.w, requires_grad: true } }, state: first.body.state, steps: 3 });
    expect(second.body.params.w.data).toEqual(long.body.params.w.data);
    expect(second.body.state.state.w.step).toBe(6);
  });

  it.each([
    ['a non-scalar loss', { program: 'y = x * 2', loss: 'y' }, 422, /must be a scalar/],
    ['no parameters', { inputs: { x: [1.0] }, program: 'y = (x * 2).sum()', loss: 'y' }, 422, /requires_grad/],
    ['an unknown scheduler', { scheduler: { name: 'warmup' } }, 404, /known schedulers: step_lr/],
    ['a bad scheduler option', { scheduler: { name: 'step_lr' } }, 422, /needs 'step_size'/],
    ['one_cycle_lr shorter than the run', { scheduler: { name: 'one_cycle_lr', max_lr: 0.1, total_steps: 3 } }, 422, /Tried to step 5 times. The specified number of total steps is 3/],
    ['cyclic_lr with momentum cycling on Adam', { optimizer: { name: 'adam' }, scheduler: { name: 'cyclic_lr', base_lr: 0.01, max_lr: 0.1 } }, 422, /must support momentum/],
    ['lbfgs with two groups', { optimizer: { name: 'lbfgs', param_groups: [{ params: ['x'] }, { params: ['z'] }] }, inputs: { x: { data: [1.0], requires_grad: true }, z: { data: [1.0], requires_grad: true } }, program: 'y = (x * z).sum()' }, 422, /LBFGS doesn't support per-parameter options/],
    ['too many steps', { steps: 5001 }, 413, /MAX_OPTIMIZE_STEPS/],
  ])('%s', async (_l, patch, status, detail) => {
    const res = await post(app, '/v1/optimize', { inputs: { x: { data: [1.0, 2.0], requires_grad: true } }, program: 'y = (x ** 2).sum()', loss: 'y', optimizer: { name: 'sgd', lr: 0.1 }, steps: 5, ...patch });
    expect(res.status).toBe(status);
    expect(res.body.detail).toMatch(detail);
  });

  it('refuses a loop over MAX_JOB_FLOPS before running it', async () => {
    const small = await testApp({ maxJobFlops: 100_000 });
    try {
      const res = await post(small, '/v1/optimize', { inputs: { x: { data: Array(100).fill(1), requires_grad: true } }, program: 'y = (x ** 2).sum()', loss: 'y', optimizer: { name: 'sgd', lr: 0.1 }, steps: 1000 });
      expect(res.status).toBe(413);
      expect(res.body.detail).toMatch(/MAX_JOB_FLOPS/);
    } finally {
      await small.close();
    }
  });

  it('stops a loop past JOB_DEADLINE_MS (504)', async () => {
    const slow = await testApp({ jobDeadlineMs: 150, maxOptimizeSteps: 1_000_000, maxJobOps: 1e12, maxJobFlops: 1e16 });
    try {
      const res = await post(slow, '/v1/optimize', { inputs: { x: { shape: [64, 64], data: Array(4096).fill(0.5), requires_grad: true } }, program: 'y = (x @ x @ x).sum()', loss: 'y', optimizer: { name: 'sgd', lr: 1e-9 }, steps: 1_000_000 });
      expect(res.status).toBe(504);
    } finally {
      await slow.close();
    }
  });

  it('streams one NDJSON line per step, then the result', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/optimize',
      headers: { accept: 'application/x-ndjson' },
      payload: { inputs: { x: { data: [2.0], requires_grad: true } }, program: 'y = (2 * x) ** 2', loss: 'y', optimizer: { name: 'sgd', lr: 0.01 }, scheduler: { name: 'exponential_lr', gamma: 0.5 }, steps: 25 },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/x-ndjson/);
    const lines = res.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(26);
    lines.slice(0, 25).forEach((l, i) => {
      expect(l.step).toBe(i);
      expect(l.lr).toBeCloseTo(0.01 * Math.pow(0.5, i), 15);
    });
    const last = lines[25];
    expect(last.history.loss).toEqual(lines.slice(0, 25).map((l) => l.loss));
    expect(last.params.x.shape).toEqual([1]);
  });

  it('an NDJSON request that fails before the first step keeps its status', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/optimize', headers: { accept: 'application/x-ndjson' }, payload: { inputs: { x: { data: [1.0, 2.0], requires_grad: true } }, program: 'y = x * 2', loss: 'y', optimizer: { name: 'sgd', lr: 0.1 }, steps: 3 } });
    expect(res.statusCode).toBe(422);
  });

  it('answers an SVG loss curve, on a log scale when the loss spans decades, with lr on a second axis', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/optimize', headers: { accept: 'image/svg+xml' }, payload: { inputs: { x: { data: [2.0], requires_grad: true } }, program: 'y = (2 * x) ** 2', loss: 'y', optimizer: { name: 'sgd', lr: 0.05 }, steps: 40 } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/image\/svg\+xml/);
    expect(res.body).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(res.body).toContain('log scale');
    expect(res.body).toContain('learning rate');
    const flatLoss = await app.inject({ method: 'POST', url: '/v1/optimize', headers: { accept: 'image/svg+xml' }, payload: { inputs: { x: { data: [2.0], requires_grad: true } }, program: 'y = (2 * x) ** 2', loss: 'y', optimizer: { name: 'sgd', lr: 0.001 }, steps: 5 } });
    expect(flatLoss.body).not.toContain('log scale');
  });
});

describe('NDJSON over a real socket', () => {
  it('streams while the loop runs, and a client that goes away cancels the job', async () => {
    const server = await testApp({ workers: 1, maxOptimizeSteps: 1_000_000, maxJobFlops: 1e16, maxJobOps: 1e12 });
    try {
      await server.listen({ port: 0, host: '127.0.0.1' });
      const { port } = server.server.address() as { port: number };
      const url = `http://127.0.0.1:${port}/v1/optimize`;
      const headers = { 'content-type': 'application/json', accept: 'application/x-ndjson' };
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ inputs: { x: { data: [2.0], requires_grad: true } }, program: 'y = (2 * x) ** 2', loss: 'y', optimizer: { name: 'sgd', lr: 0.01 }, steps: 300 }) });
      const lines = (await res.text()).trim().split('\n');
      expect(lines).toHaveLength(301);
      expect(JSON.parse(lines[299]!).step).toBe(299);

      const ac = new AbortController();
      const long = await fetch(url, {
        method: 'POST',
        headers,
        signal: ac.signal,
        body: JSON.stringify({ inputs: { x: { shape: [64, 64], data: Array(4096).fill(0.01), requires_grad: true } }, program: 'y = (x @ x).sum()', loss: 'y', optimizer: { name: 'sgd', lr: 1e-9 }, steps: 1_000_000 }),
      });
      await long.body!.getReader().read();
      ac.abort();
      // The only worker is free again long before the job's deadline.
      const started = Date.now();
      const next = await fetch(`http://127.0.0.1:${port}/v1/optimizers/sgd/step`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ params: { w: [1] }, grads: { w: [1] }, lr: 0.1 }) });
      expect(next.status).toBe(200);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      server.server.closeAllConnections(); // fetch keeps connections alive
      await server.close();
    }
  });
});
