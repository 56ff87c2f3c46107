// Shared test helpers: one app per test file, JSON posts, tolerance checks.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import type { Config } from '../src/config.js';

export async function testApp(overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  // Test files run in parallel on few cores and some block the event loop on
  // purpose (huge programs): the event-loop-delay 503 would make them flaky.
  return buildApp({ logLevel: 'silent', workers: 1, maxEventLoopDelayMs: 0, ...overrides });
}

export async function post(app: FastifyInstance, url: string, payload: unknown) {
  const res = await app.inject({ method: 'POST', url, payload: payload as object });
  return { status: res.statusCode, headers: res.headers, body: res.json() as Record<string, any> };
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
