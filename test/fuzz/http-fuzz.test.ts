// The HTTP fuzzer: grammar- and mutation-based requests (test/fuzz/gen.ts)
// over every endpoint. No 500, no crash, no hang, nothing internal leaked in
// an error. In the suite: FUZZ_RUNS (default 20,000) requests through inject;
// scripts/fuzz.mjs points it at a real service (FUZZ_TARGET) for longer runs.
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers.js';
import { request as requestArb, type Catalogue, type FuzzRequest } from './gen.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 20_000);
const TARGET = process.env.FUZZ_TARGET; // e.g. http://127.0.0.1:8080
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const ALLOWED = new Set([200, 400, 404, 405, 406, 413, 415, 422, 503, 504]);
const LEAK = /\/work\/|node_modules|\.(ts|js|cc|h|node):\d|\n\s+at |Napi::|std::|segfault|internal error/i;

let app: FastifyInstance | undefined;
beforeAll(async () => {
  if (!TARGET) app = await testApp({ workers: 2, jobDeadlineMs: 2000, maxOptimizeSteps: 50 });
});
afterAll(async () => app?.close());

interface Answer {
  status: number;
  type: string;
  body: string;
}

async function send(r: FuzzRequest): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (r.contentType) headers['content-type'] = r.contentType;
  if (r.accept) headers.accept = r.accept;
  if (app) {
    const res = await app.inject({ method: r.method, url: r.url, headers, ...(r.payload !== undefined ? { payload: r.payload } : {}) });
    return { status: res.statusCode, type: String(res.headers['content-type'] ?? ''), body: res.body };
  }
  const res = await fetch(TARGET + r.url, { method: r.method, headers, ...(r.payload !== undefined ? { body: typeof r.payload === 'string' ? r.payload : new Uint8Array(r.payload) } : {}), signal: AbortSignal.timeout(30_000) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

async function catalogue(): Promise<Catalogue> {
  const get = async (u: string) => JSON.parse((await send({ method: 'GET', url: u })).body);
  const [ops, losses, activations, optimizers, schedulers] = await Promise.all(['/v1/ops', '/v1/losses', '/v1/activations', '/v1/optimizers', '/v1/schedulers'].map(get));
  return { ops: ops.ops, losses: losses.losses, activations: activations.activations, optimizers: optimizers.optimizers, schedulers: schedulers.schedulers };
}

function check(r: FuzzRequest, a: Answer): void {
  const what = `${r.method} ${r.url} ${typeof r.payload === 'string' ? r.payload.slice(0, 2000) : r.payload ? `<${r.payload.length} bytes>` : ''}`;
  if (!ALLOWED.has(a.status)) throw new Error(`status ${a.status} for ${what}\n${a.body.slice(0, 500)}`);
  if (a.status >= 400) {
    if (!a.type.startsWith('application/problem+json')) throw new Error(`error without problem+json (${a.type}) for ${what}`);
    const p = JSON.parse(a.body) as { detail?: string; status?: number };
    if (p.status !== a.status) throw new Error(`problem status ${p.status} != ${a.status} for ${what}`);
    if (LEAK.test(p.detail ?? '')) throw new Error(`error detail leaks internals: ${p.detail} for ${what}`);
  }
}

describe('HTTP fuzzer (fast-check, every endpoint)', () => {
  it(`${RUNS} grammar- and mutation-based requests: no 500, no crash, no hang, no leak`, async () => {
    const cat = await catalogue();
    const counts: Record<number, number> = {};
    const t0 = performance.now();
    await fc.assert(
      fc.asyncProperty(requestArb(cat), async (r) => {
        const a = await send(r);
        counts[a.status] = (counts[a.status] ?? 0) + 1;
        if (process.env.FUZZ_TRACE && a.status >= 400) console.log(a.status, r.url, JSON.parse(a.body).detail?.slice(0, 160));
        check(r, a);
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );
    const s = (performance.now() - t0) / 1000;
    console.log(`fuzz: ${RUNS} requests in ${s.toFixed(1)} s (${(RUNS / s).toFixed(0)}/s); statuses ${JSON.stringify(counts)}`);
    // The generators must reach the engine, not only the validators.
    expect(counts[200] ?? 0).toBeGreaterThan(RUNS * 0.05);
    // And the service still computes after all that.
    const ok = await send({ method: 'POST', url: '/v1/graph', payload: JSON.stringify({ inputs: { x: 3 }, program: 'y = x * x' }), contentType: 'application/json' });
    expect(ok.status).toBe(200);
  }, 600_000);
});
