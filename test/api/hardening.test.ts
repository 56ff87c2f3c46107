// Overload, security and fuzzer-found regressions: 503 with Retry-After on a
// full queue (before the body is parsed), /readyz following it, JSON shape
// limits before parsing, security headers, and every crashing/odd input the
// fuzzer found kept as a case.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDataAnswer } from '../../src/security.js';
import { binaryFrame, testApp } from '../helpers.js';

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp({ workers: 1, maxQueue: 1, maxJsonDepth: 32, maxJsonKeys: 50, maxJsonKeyLength: 16, maxJobFlops: 1e13 });
});
afterAll(async () => app.close());

const slow = { inputs: {}, program: 'a = ones([1200, 1200]) / 1200\nb = (a @ a @ a).sum()' };

describe('overload', () => {
  it('a full queue answers 503 problem+json with Retry-After, /readyz says so, and it recovers', async () => {
    const pending = Array.from({ length: 6 }, () => app.inject({ method: 'POST', url: '/v1/graph', payload: slow }));
    await new Promise((r) => setTimeout(r, 30));
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    const all = await Promise.all(pending);
    const statuses = all.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
    const refused = all.find((r) => r.statusCode === 503)!;
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.json().type).toBe('/problems/overloaded');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().reason).toBe('queue full');
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const m = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(m).toMatch(/gradserve_rejections_total\{status="503",reason="queue_full"\} [1-9]/);
  });
});

describe('JSON limits before parsing', () => {
  const post = (payload: string) => app.inject({ method: 'POST', url: '/v1/graph', payload, headers: { 'content-type': 'application/json' } });
  it('nesting depth', async () => {
    const r = await post(`{"inputs": {"x": ${'['.repeat(40)}1${']'.repeat(40)}}, "program": "y = x"}`);
    expect(r.statusCode).toBe(413);
    expect(r.json().detail).toMatch(/MAX_JSON_DEPTH \(32\)/);
  });
  it('key count', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `"k${i}": 1`).join(',');
    const r = await post(`{"inputs": {${keys}}, "program": "y = k0"}`);
    expect(r.statusCode).toBe(413);
    expect(r.json().detail).toMatch(/MAX_JSON_KEYS \(50\)/);
  });
  it('key length, escapes and strings with brackets counted right', async () => {
    expect((await post(`{"inputs": {"${'a'.repeat(17)}": 1}, "program": "y = 1"}`)).statusCode).toBe(413);
    const ok = await post(`{"inputs": {"x\\"[[[": 1}, "program": "y = 2 # [[[[{{{{ \\\\"}`);
    expect(ok.statusCode).toBe(200);
  });
  it('applies to the binary framing header too', async () => {
    const h = `{"inputs": {"x": ${'['.repeat(40)}1${']'.repeat(40)}}, "program": "y = x"}`;
    const r = await app.inject({ method: 'POST', url: '/v1/graph', payload: binaryFrame(h), headers: { 'content-type': 'application/octet-stream' } });
    expect(r.statusCode).toBe(413);
  });
});

describe('security headers', () => {
  it('helmet headers with a CSP that allows the Swagger UI bundle', async () => {
    const r = await app.inject({ method: 'GET', url: '/docs/' });
    expect(r.statusCode).toBe(200);
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    // The UI loads only same-origin scripts.
    expect(r.body).not.toMatch(/<script>(?!\s*<\/script>)/);
    for (const src of r.body.match(/src="[^"]+"/g) ?? []) expect(src).not.toMatch(/https?:/);
  });

  // Data answers carry OWASP's API set; pages, scripts and images carry helmet's whole set.
  const DOCUMENT_ONLY = ['x-dns-prefetch-control', 'cross-origin-opener-policy', 'origin-agent-cluster', 'referrer-policy', 'x-download-options', 'x-permitted-cross-domain-policies', 'x-xss-protection'];
  const SHARED = ['x-content-type-options', 'strict-transport-security', 'cross-origin-resource-policy'];

  it('every data answer (a result, a problem, a 404, a binary frame, the metrics, the OpenAPI) gets the API set', async () => {
    const answers = [
      await app.inject({ method: 'POST', url: '/v1/graph', payload: { inputs: { x: [1, 2] }, program: 'y = x * 2' } }),
      await app.inject({ method: 'POST', url: '/v1/graph', payload: { program: 'y = ' } }),
      await app.inject({ method: 'GET', url: '/no/such/route' }),
      await app.inject({ method: 'POST', url: '/v1/graph', payload: binaryFrame({ inputs: { x: { dtype: 'float32', shape: [1], data_offsets: [0, 4] } }, program: 'y = x * 2' }, new Uint8Array(new Float32Array([1]).buffer)), headers: { 'content-type': 'application/octet-stream', accept: 'application/octet-stream' } }),
      await app.inject({ method: 'GET', url: '/metrics' }),
      await app.inject({ method: 'GET', url: '/openapi.json' }),
    ];
    expect(answers.map((r) => r.statusCode)).toEqual([200, 400, 404, 200, 200, 200]);
    for (const r of answers) {
      const what = `${r.statusCode} ${r.headers['content-type']}`;
      expect(r.headers['content-security-policy'], what).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(r.headers['x-frame-options'], what).toBe('DENY');
      expect(r.headers['x-content-type-options'], what).toBe('nosniff');
      expect(r.headers['strict-transport-security'], what).toMatch(/^max-age=\d+/);
      expect(r.headers['cross-origin-resource-policy'], what).toBe('same-site');
      for (const n of DOCUMENT_ONLY) expect(r.headers[n], `${n} on ${what}`).toBeUndefined();
      expect(r.headers['x-powered-by']).toBeUndefined();
    }
    expect(answers[3]!.headers['content-type']).toBe('application/octet-stream');
  });

  it("pages, scripts and images (the docs, its bundle, a plot) get helmet's whole set, with the same shared headers", async () => {
    const api = await app.inject({ method: 'POST', url: '/v1/graph', payload: { inputs: { x: [1, 2] }, program: 'y = x * 2' } });
    const documents = [
      await app.inject({ method: 'GET', url: '/docs/' }),
      await app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' }),
      await app.inject({ method: 'GET', url: '/v1/activations/relu/plot.svg' }),
    ];
    expect(documents.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    for (const r of documents) {
      const what = `${r.headers['content-type']}`;
      expect(String(r.headers['content-security-policy']), what).toContain("script-src 'self'");
      expect(r.headers['x-frame-options'], what).toBe('SAMEORIGIN');
      for (const n of DOCUMENT_ONLY) expect(r.headers[n], `${n} on ${what}`).toBeDefined();
      for (const n of SHARED) expect(r.headers[n], `${n} on ${what}`).toBe(api.headers[n]);
    }
  });

  it('only JSON, problem+json, binary frames and plain text count as data', () => {
    for (const t of ['application/json', 'application/json; charset=utf-8', 'application/problem+json', 'APPLICATION/OCTET-STREAM', 'text/plain; version=0.0.4; charset=utf-8'])
      expect(isDataAnswer(t), t).toBe(true);
    for (const t of [undefined, '', 'text/html; charset=utf-8', 'image/svg+xml', 'application/javascript', 'application/jsonp', 'text/plainx', 'text/css', 42])
      expect(isDataAnswer(t), String(t)).toBe(false);
  });
});

describe('fuzzer findings (regressions)', () => {
  it('cat/stack of empty parts copies nothing (HTTP fuzzer under UBSan: memcpy from a null pointer)', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/graph', payload: { inputs: { x: { data: [], shape: [0] }, y: [1, 2] }, program: 's = stack([x, x])\nc = cat([x, y])', outputs: ['s', 'c'] } });
    expect(r.statusCode).toBe(200);
    expect(r.json().outputs.s.shape).toEqual([2, 0]);
    expect(r.json().outputs.c.data).toEqual([1, 2]);
  });
  it('reshape with dims whose product overflows int64 is the size mismatch it is, not undefined behaviour (review: known *= dim)', async () => {
    for (const dims of ['4294967296, 4294967296, -1', '3037000500, 3037000500, 2, -1']) {
      const r = await app.inject({ method: 'POST', url: '/v1/graph', payload: { inputs: { x: [1, 2, 3, 4] }, program: `y = x.reshape(${dims})` } });
      expect(r.statusCode, dims).toBe(422);
      expect(r.json().detail, dims).toMatch(/is invalid for input of size 4/);
    }
  });
  it('a path parameter over 100 characters is a problem+json 400, not fastify JSON 414', async () => {
    const r = await app.inject({ method: 'POST', url: `/v1/losses/${'A'.repeat(300)}`, payload: {} });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(r.json().detail).not.toMatch(/A{100}/);
  });
  it('full() of an int64 tensor with a value int64 cannot hold is a 422, as in PyTorch (libFuzzer: UB in Tensor::full)', async () => {
    for (const v of ['1e300', '-1e300', '"NaN"', '"Infinity"', '9.3e18']) {
      const r = await app.inject({ method: 'POST', url: '/v1/graph', payload: { inputs: {}, program: `y = full([2], ${v}, dtype="int64")` } });
      expect(r.statusCode).toBe(422);
      expect(r.json().detail).toBe('value cannot be converted to type int64_t without overflow');
    }
    const ok = await app.inject({ method: 'POST', url: '/v1/graph', payload: { inputs: {}, program: 'y = full([2], -9.2e18, dtype="int64")' } });
    expect(ok.statusCode).toBe(200);
  });
  it('a malformed URL is a problem+json 400', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/activations/%E0%A4%A/plot.svg' });
    expect([400, 404]).toContain(r.statusCode);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
