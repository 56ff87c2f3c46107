// Admission by request bodies in flight (MAX_INFLIGHT_BODY_BYTES, src/admission.ts):
// a POST /v1/* that would take the declared body bytes in flight past the
// budget gets a problem+json 503 with Retry-After before its body is read; a
// lone request larger than the budget still runs; the count goes back to 0
// however a request ends (answered, failed, refused, aborted, timed out).
import type { FastifyInstance } from 'fastify';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyBudget } from '../../src/overload.js';
import { testApp } from '../helpers.js';

const BUDGET = 100_000;
/** A job that keeps the only worker busy for a while (hundreds of ms). */
const slowProgram = 'a = ones([1200, 1200]) / 1200\nb = (a @ a @ a).sum()';
/** A valid body of about `bytes` bytes (JSON allows trailing whitespace). */
const padded = (body: object, bytes: number) => {
  const text = JSON.stringify(body);
  return text + ' '.repeat(Math.max(0, bytes - text.length));
};
const small = { inputs: { x: [1, 2] }, program: 'y = (x * 2).sum()', outputs: ['y'] };
const json = { 'content-type': 'application/json' };

let app: FastifyInstance;
let port: number;
beforeAll(async () => {
  app = await testApp({ workers: 1, maxInflightBodyBytes: BUDGET, maxJobFlops: 1e13, jobDeadlineMs: 5_000 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => {
  app.server.closeAllConnections();
  await app.close();
});

const budget = () => bodyBudget(app)!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (in flight: ${budget().bytes} bytes, ${budget().requests} requests)`);
    await sleep(5);
  }
}
const idle = () => until(() => budget().bytes === 0 && budget().requests === 0, 'the budget to drain');
const post = (payload: string, headers: Record<string, string> = json) => app.inject({ method: 'POST', url: '/v1/graph', payload, headers });

/** A raw HTTP/1.1 request on its own socket: headers and the first `sent` bytes of a body of `length`. */
function rawRequest(length: number | 'chunked', firstBytes: string): Socket {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  const framing = length === 'chunked' ? 'transfer-encoding: chunked' : `content-length: ${length}`;
  const body = length === 'chunked' ? `${firstBytes.length.toString(16)}\r\n${firstBytes}\r\n` : firstBytes;
  s.write(`POST /v1/graph HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n${framing}\r\n\r\n${body}`);
  return s;
}

describe('MAX_INFLIGHT_BODY_BYTES', () => {
  it('refuses a request past the budget with a problem+json 503 and Retry-After, counted and seen by /readyz', async () => {
    const first = post(padded({ inputs: {}, program: slowProgram }, 60_000));
    await until(() => budget().bytes >= 60_000, 'the first request to be admitted');
    const refused = await post(padded(small, 60_000));
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.json()).toMatchObject({ type: '/problems/overloaded', status: 503 });
    expect(refused.json().detail).toMatch(/request bodies in flight, MAX_INFLIGHT_BODY_BYTES is 0\.1 MiB\); retry after 1 s$/);
    expect(ready.statusCode).toBe(503);
    expect(ready.json().reason).toBe('request bodies in flight');
    // A small one still fits beside the first.
    expect((await post(JSON.stringify(small))).statusCode).toBe(200);
    expect((await first).statusCode).toBe(200);
    await idle();
    const m = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(m).toMatch(/gradserve_rejections_total\{status="503",reason="inflight_bytes"\} 1\n/);
    await sleep(250); // /readyz forgets a refusal after 200 ms
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('admits a lone request larger than the whole budget, but not a second one beside it', async () => {
    const big = post(padded({ inputs: {}, program: slowProgram }, 3 * BUDGET));
    await until(() => budget().bytes >= 3 * BUDGET, 'the large request to be admitted');
    expect((await post(padded(small, 2 * BUDGET))).statusCode).toBe(503);
    expect((await big).statusCode).toBe(200);
    await idle();
    expect((await post(padded(small, 2 * BUDGET))).statusCode).toBe(200);
    await idle();
  });

  it('only POST /v1/* is counted: probes, metrics and GETs pass while the budget is full', async () => {
    const big = post(padded({ inputs: {}, program: slowProgram }, BUDGET));
    await until(() => budget().bytes >= BUDGET, 'the request to be admitted');
    for (const url of ['/healthz', '/metrics', '/v1/ops']) expect((await app.inject({ method: 'GET', url })).statusCode).toBe(200);
    expect((await big).statusCode).toBe(200);
    await idle();
  });

  it('gives the bytes back after answered, failed, refused and too-large requests', async () => {
    expect((await post(JSON.stringify(small))).statusCode).toBe(200);
    await idle();
    expect((await post('{"inputs": ')).statusCode).toBe(400); // malformed JSON
    await idle();
    expect((await post(JSON.stringify({ inputs: {}, program: 'y = nosuchop(1)' }))).statusCode).toBe(422);
    await idle();
    expect((await post('x'.repeat(10), { 'content-type': 'text/plain' })).statusCode).toBe(400); // no parser for it
    await idle();
    const tooLarge = await testApp({ workers: 1, maxInflightBodyBytes: BUDGET, bodyLimitBytes: 1000 });
    try {
      expect((await tooLarge.inject({ method: 'POST', url: '/v1/graph', payload: padded(small, 5000), headers: json })).statusCode).toBe(413);
      await sleep(5);
      expect(bodyBudget(tooLarge)!.bytes).toBe(0);
    } finally {
      await tooLarge.close();
    }
  });

  it('gives the bytes back when a job runs past its deadline (504)', async () => {
    const quick = await testApp({ workers: 1, maxInflightBodyBytes: BUDGET, maxJobFlops: 1e13, jobDeadlineMs: 50 });
    try {
      const r = await quick.inject({ method: 'POST', url: '/v1/graph', payload: { inputs: {}, program: 'a = ones([2000, 2000]) / 2000\nb = (a @ a @ a @ a).sum()' } });
      expect(r.statusCode).toBe(504);
      await sleep(5);
      expect(bodyBudget(quick)!.bytes).toBe(0);
      expect(bodyBudget(quick)!.requests).toBe(0);
    } finally {
      await quick.close();
    }
  });

  it('gives the bytes back when the client goes away while sending the body', async () => {
    const s = rawRequest(80_000, '{"inputs": {}, ');
    await until(() => budget().bytes === 80_000, 'the request to be admitted');
    s.destroy();
    await idle();
  });

  it('gives the bytes back when the client goes away while its job runs', async () => {
    const body = JSON.stringify({ inputs: {}, program: slowProgram });
    const s = rawRequest(body.length, body);
    await until(() => budget().bytes === body.length, 'the request to be admitted');
    await sleep(30); // the job is running
    s.destroy();
    await idle();
  });

  it('charges a body without Content-Length (chunked) an eighth of the budget, and gives it back', async () => {
    const s = rawRequest('chunked', '{"inputs": {}, ');
    await until(() => budget().bytes === BUDGET / 8, 'the chunked request to be admitted');
    s.destroy();
    await idle();
  });

  it('refuses nothing when off (0), but still counts', async () => {
    const off = await testApp({ workers: 1, maxInflightBodyBytes: 0, maxJobFlops: 1e13 });
    try {
      const rs = await Promise.all(Array.from({ length: 4 }, () => off.inject({ method: 'POST', url: '/v1/graph', payload: padded(small, 50_000), headers: json })));
      expect(rs.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
      await sleep(5);
      expect(bodyBudget(off)!.bytes).toBe(0);
    } finally {
      await off.close();
    }
  });
});
