// parseJsonBody (src/json-parse.ts) gives JSON.parse's value — or throws its
// error, message included — for any text. Random bodies are built around
// long strings with every troublesome neighbour: escaped quotes and runs of
// backslashes just before a closing quote, escapes and control characters
// inside, non-ASCII text, long strings as keys, '__proto__' keys, whitespace
// before colons, and then broken by random cuts and insertions. Small
// thresholds let thousands of shapes run quickly; one test uses the defaults
// on a real base64 body.
import { describe, expect, it } from 'vitest';
import { parseJsonBody, type LongStringOptions } from '../src/json-parse.js';

const SMALL: LongStringOptions = { longString: 8, minBody: 0, maxStringsScanned: 50 };

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(a: readonly T[]) => a[Math.floor(next() * a.length)]! };
}

const PIECES = ['a', 'Z', '0', '+', '/', '=', ' ', 'é', '€', '😀', '\\"', '\\\\', '\\n', '\\u0041', '\\u0000', '\u0001', '\t', '"', '\\'];

/** JSON text (not always valid) of a random value built around long strings. */
function randomText(r: ReturnType<typeof rng>, depth = 0): string {
  const kind = r.int(depth > 3 ? 3 : 6);
  if (kind === 0) {
    // A string: mostly plain characters, sometimes an escape or a raw troublemaker.
    let s = '';
    const n = r.pick([0, 3, 7, 8, 9, 20, 40]);
    for (let i = 0; i < n; i++) s += r.next() < 0.85 ? r.pick(['a', 'b', 'Q', '1', '+', '/']) : r.pick(PIECES);
    if (r.next() < 0.3) s += r.pick(['\\', '\\\\', '\\\\\\']);
    return '"' + s + '"';
  }
  if (kind === 1) return r.pick(['1', '-2.5e3', 'true', 'null', '0']);
  if (kind === 2) return JSON.stringify('x'.repeat(r.int(30)));
  if (kind === 3) {
    const items: string[] = [];
    for (let i = r.int(4); i > 0; i--) items.push(randomText(r, depth + 1));
    return '[' + items.join(r.pick([',', ', ', ' ,\n'])) + ']';
  }
  const members: string[] = [];
  for (let i = r.int(4); i > 0; i--) {
    const key = r.next() < 0.15 ? '"__proto__"' : r.next() < 0.3 ? JSON.stringify('k'.repeat(10 + r.int(10))) : JSON.stringify(r.pick(['a', 'b', 'base64', 'é']));
    members.push(key + r.pick([':', ' :', '\n: ', '\t:']) + randomText(r, depth + 1));
  }
  return '{' + members.join(',') + '}';
}

/** Both throw the same error, or both give equal values (own '__proto__' keys and key order included). */
function same(text: string, opts: LongStringOptions = SMALL): 'ok' | 'error' {
  let want: unknown;
  let wantError: string | undefined;
  try {
    want = JSON.parse(text);
  } catch (e) {
    wantError = (e as Error).message;
  }
  if (wantError !== undefined) {
    expect(() => parseJsonBody(text, opts), text).toThrow(wantError);
    return 'error';
  }
  const got = parseJsonBody(text, opts);
  expect(JSON.stringify(got), text).toBe(JSON.stringify(want));
  expect(structure(got), text).toEqual(structure(want));
  return 'ok';
}

/** Own keys in order (JSON.stringify drops nothing here, but a prototype set by assignment would hide a key). */
function structure(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(structure);
  if (v !== null && typeof v === 'object') return [Object.getPrototypeOf(v) === Object.prototype, Object.keys(v).map((k) => [k, structure((v as Record<string, unknown>)[k])])];
  return v;
}

describe('parseJsonBody = JSON.parse', () => {
  it('on 4000 random bodies around long strings, and broken copies of them', () => {
    const r = rng(2026);
    const seen = { ok: 0, error: 0 };
    for (let i = 0; i < 4000; i++) {
      let text = randomText(r);
      if (r.next() < 0.4) {
        const at = r.int(text.length + 1);
        text = r.next() < 0.5 ? text.slice(0, at) + r.pick(['"', '\\', ',', '}', ']', ':', '\u0002', 'x']) + text.slice(at) : text.slice(0, at);
      }
      seen[same(text)]++;
    }
    expect(seen.ok).toBeGreaterThan(1000);
    expect(seen.error).toBeGreaterThan(1000);
  });

  it('cuts strings out: placeholders never leak, values are the original strings', () => {
    const long = 'A'.repeat(100);
    for (const text of [
      `"${long}"`,
      `[ "${long}" , "${long}B" ]`,
      `{"x":{"base64":"${long}","shape":[2]},"__proto__":"${long}"}`,
      `{"${long}": "${long}"}`,
      `["${long}\\\\", "${long}\\"", "${long}\\\\\\\\"]`,
      `{"a" \n : "${long}"}`,
      `["${long}\u0001"]`,
      `["${long}`,
      `{"k": "${long}" "x"}`,
    ])
      same(text);
  });

  it('the defaults on a 1M-element base64 body', () => {
    const x = new Float32Array(1_000_000).map((_, i) => Math.sin(i));
    const b64 = Buffer.from(x.buffer).toString('base64');
    const text = JSON.stringify({ inputs: { x: { shape: [1000, 1000], dtype: 'float32', base64: b64 }, w: { shape: [2], dtype: 'float32', base64: 'AAAAAAAAgD8=' } }, program: 'y = x * 2', encoding: 'base64' });
    const got = parseJsonBody(text) as { inputs: { x: { base64: string } } };
    expect(got.inputs.x.base64).toBe(b64);
    expect(got).toEqual(JSON.parse(text));
    expect(() => parseJsonBody(text.slice(0, -1))).toThrow(/JSON/);
  });
});
