// JSON request bodies: fastify's default parser answers every malformed body
// with the same sentence and refuses '__proto__' keys as "not valid JSON".
// This one says where the JSON breaks, and names a '__proto__' key as the problem.
import { isAscii } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { ProblemError } from './errors.js';
import { parseJsonBody } from './json-parse.js';
import { checkJsonLimits, type JsonLimits } from './security.js';

/**
 * A route's own quick reading of its JSON bodies' bytes (/v1/graph's text
 * templates, src/ir/body-template.ts): `read` gives the value to use as the
 * body, or undefined to parse it as usual; `parsed` then sees the value with
 * its bytes.
 */
export interface BodyShortcut {
  read(bytes: Buffer): object | undefined;
  parsed(value: unknown, bytes: Buffer): void;
}

/** Shortcuts by the exact URL of a POST route. */
export type BodyShortcuts = Map<string, BodyShortcut>;

export function registerJsonBodies(app: FastifyInstance, limits: JsonLimits, shortcuts: BodyShortcuts = new Map()): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const shortcut = shortcuts.size > 0 && req.method === 'POST' ? shortcuts.get(req.url) : undefined;
    if (shortcut !== undefined) {
      const value = shortcut.read(body as Buffer);
      if (value !== undefined) return done(null, value);
    }
    const text = bodyText(body as Buffer);
    // (A test for any non-blank character: trim() would copy the whole body.)
    if (!/\S/.test(text)) return done(new ProblemError('invalidJson', 'the request body is empty; send a JSON object'), undefined);
    let value: unknown;
    try {
      checkJsonLimits(text, limits);
      value = parseJsonBody(text);
    } catch (e) {
      if (e instanceof ProblemError) return done(e, undefined);
      return done(new ProblemError('invalidJson', `the body is not valid JSON: ${(e as Error).message}`), undefined);
    }
    // Only a body that spells the key (possibly with \u escapes) needs the walk.
    if (text.includes('__proto__') || text.includes('\\u')) {
      const path = protoKeyPath(value);
      if (path !== undefined)
        return done(
          new ProblemError('invalidRequest', `a key named '__proto__' is not accepted (at ${path}): it could alter object prototypes; rename it`, [{ path, message: "a key named '__proto__' is not accepted" }]),
          undefined,
        );
    }
    shortcut?.parsed(value, body as Buffer);
    done(null, value);
  });
}

/**
 * The body as text. An ASCII body (nearly all: only names, programs' comments
 * and strings can stray outside ASCII) is read as latin1, the same string: Node makes
 * a large latin1 string an external one over a copy of the bytes, where
 * UTF-8 decoding writes a new string into fresh V8 heap pages. For a 20 MB
 * body, 4 ms against 60–75 ms on the bench VM (bench/README, ninth round);
 * isAscii is a SIMD scan (~1 ms). Anything else is decoded as UTF-8, as
 * fastify's `parseAs: 'string'` would (invalid sequences become U+FFFD).
 */
export function bodyText(bytes: Buffer): string {
  return bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8');
}

/** JSON pointer of the first own '__proto__' key in a parsed body, if any (iterative walk). */
function protoKeyPath(root: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[root, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (v[i] !== null && typeof v[i] === 'object') stack.push([v[i], `${path}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      if (Object.hasOwn(v, '__proto__')) return `${path}/__proto__`;
      for (const [k, x] of Object.entries(v)) if (x !== null && typeof x === 'object') stack.push([x, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`]);
    }
  }
  return undefined;
}
