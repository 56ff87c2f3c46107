// The README's curl examples, pasted as they stand: each request is sent to
// the service and its answer compared with the JSON block shown after it.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from './helpers.js';

interface Example {
  path: string;
  body: unknown;
  expected: unknown;
}

function examples(): Example[] {
  const md = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const out: Example[] = [];
  const re = /```bash\n(curl[^]*?)```\n```json\n([^]*?)```/g;
  for (const m of md.matchAll(re)) {
    const cmd = m[1]!;
    const path = /localhost:8080(\/[^\s']*)/.exec(cmd)?.[1];
    const data = /-d '([^]*?)'\s*$/.exec(cmd.trim())?.[1];
    if (!path || data === undefined) throw new Error(`cannot read README example: ${cmd}`);
    out.push({ path, body: JSON.parse(data), expected: JSON.parse(m[2]!) });
  }
  return out;
}

/** Same structure, strings and booleans; numbers equal to float32 rounding (1 ulp). */
function sameAnswer(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 2e-7 * Math.max(Math.abs(a), Math.abs(b));
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameAnswer(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
    return ka.join() === kb.join() && ka.every((k) => sameAnswer((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

let app: FastifyInstance;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => {
  await app.close();
});

describe('README examples', () => {
  const list = examples();
  it('has the examples the issue asks for', () => {
    expect(list.length).toBeGreaterThanOrEqual(8);
  });
  it.each(list.map((e, i) => [i + 1, e] as const))('example %i answers as shown', async (_i, e) => {
    const res = await app.inject({ method: 'POST', url: e.path, payload: e.body as object });
    expect(sameAnswer(res.json(), e.expected), `${JSON.stringify(res.json())}\n!=\n${JSON.stringify(e.expected)}`).toBe(true);
  });
});
