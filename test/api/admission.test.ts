// Admission by request bodies in flight (MAX_INFLIGHT_BODY_BYTES, src/admission.ts):
// a POST /v1/* that would take the declared body bytes in flight past the
// budget gets a problem+json 503 with Retry-After before its body is read; a
// lone request larger than the budget still runs; a request is charged until
// its body is parsed (a long job holds nothing), and the count goes back to 0
// however a request ends (answered, failed, refused, aborted, timed out).
// And the accept-queue probe: a new connection that waited in the kernel's
// accept queue while the service was shedding gets a 503 for its first request.
import type { FastifyInstance } from 'fastify';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptProbe, bodyBudget } from '../../src/overload.js';
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
    // A body still being received holds its charge.
    const first = rawRequest(60_000, '{"inputs": {}, ');
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
    first.destroy();
    await idle();
    const m = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(m).toMatch(/gradserve_rejections_total\{status="503",reason="inflight_bytes"\} 1\n/);
    await sleep(250); // /readyz forgets a refusal after 200 ms
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('admits a lone request larger than the whole budget, but not a second one beside it', async () => {
    const big = rawRequest(3 * BUDGET, '{"inputs": {}, ');
    await until(() => budget().bytes >= 3 * BUDGET, 'the large request to be admitted');
    expect((await post(padded(small, 2 * BUDGET))).statusCode).toBe(503);
    big.destroy();
    await idle();
    expect((await post(padded(small, 2 * BUDGET))).statusCode).toBe(200);
    await idle();
  });

  it('only POST /v1/* is counted: probes, metrics and GETs pass while the budget is full', async () => {
    const big = rawRequest(BUDGET, '{"inputs": {}, ');
    await until(() => budget().bytes >= BUDGET, 'the request to be admitted');
    for (const url of ['/healthz', '/metrics', '/v1/ops']) expect((await app.inject({ method: 'GET', url })).statusCode).toBe(200);
    big.destroy();
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

  it('a parsed body holds nothing: a long job with a large body leaves the budget to the others', async () => {
    const slow = post(padded({ inputs: {}, program: slowProgram }, 3 * BUDGET));
    // Until the worker runs it (its body parsed), then the budget is empty again.
    for (let t = 0; (await app.inject({ method: 'GET', url: '/readyz' })).json().busy !== 1; t++) {
      if (t > 500) throw new Error('the slow job never started');
      await sleep(5);
    }
    expect(budget().bytes).toBe(0);
    // The slow job runs on the only worker; a request as large as the whole budget is still admitted.
    const other = post(padded(small, BUDGET));
    expect((await other).statusCode).toBe(200);
    expect((await slow).statusCode).toBe(200);
    await idle();
  });

  it('gives the bytes back when the client goes away while its job runs', async () => {
    const body = JSON.stringify({ inputs: {}, program: slowProgram });
    const s = rawRequest(body.length, body);
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

async function acceptQueueRefusals(): Promise<number> {
  const m = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  return Number(/gradserve_rejections_total\{status="503",reason="accept_queue"\} (\d+)/.exec(m)?.[1] ?? 0);
}

/** Blocks the event loop (the main thread is saturated). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/**
 * Opens a connection that waits in the accept queue for `ms`: the connection,
 * then a probe behind it, both connect() on the next tick, then the loop is
 * blocked before the listener can accept either.
 */
function lateConnection(ms: number): Socket {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  acceptProbe(app)!.send();
  process.nextTick(() => busy(ms));
  return s;
}

/** One request on an open socket; resolves the status. */
function statusOn(s: Socket, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = '';
    s.on('data', (d) => {
      got += d.toString();
      const m = /^HTTP\/1\.1 (\d+)/.exec(got);
      if (m) resolve(Number(m[1]));
    });
    s.once('error', reject);
    s.write(`POST /v1/graph HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
}

describe('accept-queue probe', () => {
  // Probes only when the test sends one: a periodic probe sent just before the
  // test's connection would be accepted before it, and so measure nothing of it.
  beforeAll(() => acceptProbe(app)!.stop());

  it('measures the wait of a connection in the accept queue, and /readyz reports it', async () => {
    await sleep(1_100); // nothing shed for over a second (earlier tests shed)
    const probe = acceptProbe(app)!;
    const s = lateConnection(150);
    await until(() => !probe.pending, 'the probe to be accepted');
    expect(probe.lastMs).toBeGreaterThanOrEqual(140);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().reason).toBe('accept queue');
    // Nothing was shed lately: a late connection is served like any other.
    expect(await statusOn(s, JSON.stringify(small))).toBe(200);
    s.destroy();
    probe.send();
    await until(() => probe.waitMs < 100, 'a new probe to find the queue empty', 2_000);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await idle();
  });

  it('refuses the first request of a late connection while the service sheds, then serves the connection', async () => {
    const before = await acceptQueueRefusals();
    const first = rawRequest(60_000, '{"inputs": {}, ');
    await until(() => budget().bytes >= 60_000, 'the first request to be admitted');
    expect((await post(padded(small, 60_000))).statusCode).toBe(503); // shedding now
    const s = lateConnection(150);
    await until(() => !acceptProbe(app)!.pending, 'the probe to be accepted');
    expect(await statusOn(s, JSON.stringify(small))).toBe(503);
    first.destroy();
    await idle();
    // The same connection, now open: judged like any other.
    expect(await statusOn(s, JSON.stringify(small))).toBe(200);
    s.destroy();
    expect((await acceptQueueRefusals()) - before).toBe(1);
    await idle();
  });
});
