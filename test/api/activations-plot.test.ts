// GET /v1/activations/{name}/plot.svg: the SVG's structure, its numbers (the
// curves go through the engine's values), options in the query, and errors.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activationNames } from '../../src/registry/activations.js';
import { testApp } from '../helpers.js';
import { byClass, parseSvg, texts } from '../plot/svg.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => {
  await app.close();
});

const get = (url: string) => app.inject({ method: 'GET', url });

/** The points of a path "M x,y L x,y ..." (one run). */
function points(d: string): Array<[number, number]> {
  return d
    .replace(/^M/, '')
    .split(/[LM]/)
    .map((p) => p.split(',').map(Number) as [number, number]);
}

describe('GET /v1/activations/{name}/plot.svg', () => {
  it('draws gelu and its derivative: two curves in two colours, axes with ticks and labels, zero lines, legend, title', async () => {
    const res = await get('/v1/activations/gelu/plot.svg');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^image\/svg\+xml/);
    const doc = parseSvg(res.body);
    const curves = byClass(doc, 'path', 'curve');
    expect(curves).toHaveLength(2);
    expect(curves[0]!.getAttribute('stroke')).not.toBe(curves[1]!.getAttribute('stroke'));
    // The default 200 points from -6 to 6, every one drawn.
    for (const c of curves) expect(points(c.getAttribute('d')!)).toHaveLength(200);
    expect(texts(byClass(doc, 'text', 'title'))[0]).toBe('gelu(x, approximate="none")');
    expect(texts(byClass(doc, 'text', 'axis-label'))).toEqual(['x', 'f(x) and f′(x)']);
    const legend = byClass(doc, 'g', 'legend-item').map((g) => g.textContent);
    expect(legend).toEqual(['f(x) = gelu(x)', 'f′(x)']);
    const xTicks = texts(byClass(doc, 'g', 'x-axis').flatMap((g) => byClass(g as never, 'g', 'tick')));
    expect(xTicks).toEqual(expect.arrayContaining(['−6', '0', '6']));
    expect(byClass(doc, 'line', 'zero-x')).toHaveLength(1);
    expect(byClass(doc, 'line', 'zero-y')).toHaveLength(1);
  });

  it('plots the engine values: relu’s derivative is a step from 0 to 1 and the function is flat then rising', async () => {
    const doc = parseSvg((await get('/v1/activations/relu/plot.svg?min=-2&max=2&points=5')).body);
    const [f, df] = byClass(doc, 'path', 'curve').map((c) => points(c.getAttribute('d')!));
    // Screen y grows downwards: equal y = equal values.
    expect(f![0]![1]).toBe(f![1]![1]);
    expect(f![4]![1]).toBeLessThan(f![3]![1]);
    expect(df![0]![1]).toBe(df![2]![1]); // relu'(0) = 0, as PyTorch
    expect(df![3]![1]).toBe(df![4]![1]);
    expect(df![3]![1]).toBeLessThan(df![0]![1]);
  });

  it('takes the activation options as query parameters and names them in the title', async () => {
    const res = await get('/v1/activations/leaky_relu/plot.svg?negative_slope=0.2&min=-10&max=10&points=50');
    expect(res.statusCode).toBe(200);
    const doc = parseSvg(res.body);
    expect(texts(byClass(doc, 'text', 'title'))[0]).toBe('leaky_relu(x, negative_slope=0.2)');
    expect(texts(byClass(doc, 'text', 'subtitle'))[0]).toContain('50 points in [-10, 10]');
    const g = await get('/v1/activations/GELU/plot.svg?approximate=tanh');
    expect(texts(byClass(parseSvg(g.body), 'text', 'title'))[0]).toBe('gelu(x, approximate="tanh")');
    const ht = await get('/v1/activations/hardtanh/plot.svg?min_val=-2&max_val=0.5');
    expect(texts(byClass(parseSvg(ht.body), 'text', 'title'))[0]).toBe('hardtanh(x, min_val=-2, max_val=0.5)');
  });

  it('treats the points as one vector for softmax-like activations and says so', async () => {
    const res = await get('/v1/activations/log_softmax/plot.svg?dim=0');
    expect(res.statusCode).toBe(200);
    const doc = parseSvg(res.body);
    expect(texts(byClass(doc, 'text', 'title'))[0]).toBe('log_softmax(x, dim=0) over the 200 points as one vector');
    expect(texts(byClass(doc, 'text', 'subtitle'))[0]).toContain('form one vector');
  });

  it('plots every activation as valid SVG', async () => {
    for (const name of activationNames()) {
      const q = name === 'threshold' ? '?threshold=0.5&value=-1' : '';
      const res = await get(`/v1/activations/${name}/plot.svg${q}`);
      expect(res.statusCode, `${name}: ${res.body}`).toBe(200);
      expect(byClass(parseSvg(res.body), 'path', 'curve'), name).toHaveLength(2);
    }
  });

  it('matches the committed docs/gelu.svg shown in the README (run `npm run docs:plot` after changing the plot)', async () => {
    const committed = readFileSync(new URL('../../docs/gelu.svg', import.meta.url), 'utf8');
    expect((await get('/v1/activations/gelu/plot.svg')).body).toBe(committed);
  });

  it('400 for a bad range, 413 for too many points, 404 for an unknown activation, 422 for an unknown option', async () => {
    for (const q of ['min=2&max=1', 'min=1&max=1', 'min=abc', 'max=Infinity', 'points=1', 'points=2.5', 'negative_slope=steep']) {
      const r = await get(`/v1/activations/leaky_relu/plot.svg?${q}`);
      expect(r.statusCode, q).toBe(400);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    expect((await get('/v1/activations/relu/plot.svg?points=10001')).statusCode).toBe(413);
    expect((await get('/v1/activations/relu/plot.svg?points=10000')).statusCode).toBe(200);
    const nf = await get('/v1/activations/nope/plot.svg');
    expect(nf.statusCode).toBe(404);
    expect(nf.json().detail).toContain('leaky_relu');
    const opt = await get('/v1/activations/relu/plot.svg?alpha=2');
    expect(opt.statusCode).toBe(422);
    expect(opt.json().detail).toContain("relu() got an unexpected keyword argument 'alpha'");
  });
});
