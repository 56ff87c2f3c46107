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
