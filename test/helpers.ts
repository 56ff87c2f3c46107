// Shared test helpers: one app per test file, JSON posts, tolerance checks.
import type { FastifyInstance } from 'fastify';
import { createServer } from 'node:net';
import { buildApp } from '../src/app.js';
import type { Config } from '../src/config.js';

export async function testApp(overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  // Event-loop-delay shedding is off by default here: the suite runs many apps in
  // parallel on 2 cores, and the overload tests turn it on explicitly.
  return buildApp({ logLevel: 'silent', workers: 1, maxEventLoopDelayMs: 0, ...overrides });
}

export async function post(app: FastifyInstance, url: string, payload: unknown) {
  const res = await app.inject({ method: 'POST', url, payload: payload as object });
  return { status: res.statusCode, headers: res.headers, body: res.json() as Record<string, any> };
}

/**
 * A body in the binary framing of API.md, framed as a client would: the JSON
 * header's length (u64 little-endian), the header, then the data. `header` is
 * an object (serialized), or its text or bytes as they are; `lengthOverride`
 * declares another header length (malformed bodies).
 */
export function binaryFrame(header: object | string | Uint8Array, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): Buffer {
  const h = header instanceof Uint8Array ? Buffer.from(header) : Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(lengthOverride ?? BigInt(h.byteLength));
  return Buffer.concat([len, h, data]);
}

/** Flattens nested data (numbers or non-finite strings) into numbers. */
export function flat(data: unknown): number[] {
  if (Array.isArray(data)) return data.flatMap(flat);
  if (typeof data === 'string') return [Number(data === 'Infinity' ? Infinity : data === '-Infinity' ? -Infinity : NaN)];
  if (typeof data === 'boolean') return [data ? 1 : 0];
  return [data as number];
}

export function close(actual: unknown, expected: unknown, rtol = 2e-4, atol = 1e-6): boolean {
  const a = flat(actual);
  const e = flat(expected);
  if (a.length !== e.length) return false;
  return a.every((x, i) => {
    const y = e[i]!;
    if (Number.isNaN(y)) return Number.isNaN(x);
    if (!Number.isFinite(y)) return x === y;
    return Math.abs(x - y) <= atol + rtol * Math.abs(y);
  });
}

/** A TCP port free on 127.0.0.1 right now (for services the tests spawn). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** The README's 2-2-2 sigmoid network (inputs and program; its loss is 0.2983711). */
export const NET_222 = {
  inputs: {
    x: [[0.05, 0.1]],
    w1: { data: [[0.15, 0.2], [0.25, 0.3]], requires_grad: true },
    b1: { data: [0.35, 0.35], requires_grad: true },
    w2: { data: [[0.4, 0.45], [0.5, 0.55]], requires_grad: true },
    b2: { data: [0.6, 0.6], requires_grad: true },
    t: [[0.01, 0.99]],
  },
  program: 'h = sigmoid(x @ w1.T + b1)\no = sigmoid(h @ w2.T + b2)\nloss = mse_loss(o, t)',
};

/** Waits until a spawned service answers GET /readyz with 200 (10 s at most). */
export async function waitReady(base: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not become ready');
}
