// Security: response headers and limits on a JSON body's shape — nesting
// depth, number of keys, key length — checked by a linear scan of the text
// before JSON.parse builds anything. Nothing here evaluates code (no eval, no
// Function, no vm): programs are parsed by src/program, never executed.
import helmet from 'helmet';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { ProblemError } from './errors.js';

export async function installSecurity(app: FastifyInstance, _cfg: Config): Promise<void> {
  const { api, document } = securityHeaders();
  // Every answer gets the API set when its request arrives (errors raised
  // before a route runs included); an answer a browser may render as a page
  // gets helmet's whole set when it is sent.
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(api);
    done();
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (!isDataAnswer(reply.getHeader('content-type'))) reply.headers(document);
    done(null, payload);
  });
}

/**
 * The two header sets, computed once (they depend on nothing in a request):
 *  - document: helmet's headers, with a CSP that lets the Swagger UI at /docs
 *    run; for pages, scripts, styles, SVG images and anything not known to be data.
 *  - api: for data answers (JSON, problem+json, binary frames, metrics text),
 *    the headers OWASP's REST Security Cheat Sheet gives for API responses: a
 *    CSP that allows nothing (stricter than the document one), no framing,
 *    no MIME sniffing, HSTS, and helmet's cross-origin resource policy. The
 *    rest of helmet's set only acts on documents (DNS prefetch, opener and
 *    agent-cluster isolation, IE download and XSS filters, Flash policies);
 *    on the small-graph answer it was ~60% of the bytes and ~9% of a request's
 *    instructions (bench/instructions.js).
 */
export function securityHeaders(): { api: Record<string, string>; document: Record<string, string> } {
  const document = helmetHeaders(helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        // Swagger UI (/docs) loads its bundle and initialiser from /docs/static;
        // it sets inline styles, so styles allow 'unsafe-inline' (scripts do not).
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        // Served over plain HTTP behind a terminating proxy or on loopback.
        upgradeInsecureRequests: null,
      },
    },
    // The API is read by other origins' scripts only through CORS.
    crossOriginResourcePolicy: { policy: 'same-site' },
  }));
  const api: Record<string, string> = {
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
  };
  for (const name of ['strict-transport-security', 'x-content-type-options', 'cross-origin-resource-policy']) {
    const value = document[name];
    if (value === undefined) throw new Error(`internal: helmet no longer sets ${name}`);
    api[name] = value;
  }
  return { api, document };
}

// Media types of answers that are data, never rendered as a page.
const DATA_TYPE = /^\s*(?:application\/(?:json|problem\+json|octet-stream)|text\/plain)\s*(?:;|$)/i;

/** Whether a content-type header names data (an absent or unknown type counts as a document). */
export function isDataAnswer(contentType: unknown): boolean {
  return typeof contentType === 'string' && DATA_TYPE.test(contentType);
}

type HelmetMiddleware = ReturnType<typeof helmet>;

/** The headers a helmet middleware sets, by running it once on a recording response. */
function helmetHeaders(middleware: HelmetMiddleware): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
    getHeader: (name: string) => headers[name.toLowerCase()],
  };
  let failed: unknown;
  middleware({} as Parameters<HelmetMiddleware>[0], res as unknown as Parameters<HelmetMiddleware>[1], (err?: unknown) => (failed = err));
  if (failed) throw failed instanceof Error ? failed : new Error(String(failed));
  if (Object.keys(headers).length === 0) throw new Error('internal: helmet set no headers');
  return headers;
}

export interface JsonLimits {
  maxJsonDepth: number;
  maxJsonKeys: number;
  maxJsonKeyLength: number;
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COLON = 0x3a, LBRACE = 0x7b, LBRACKET = 0x5b, RBRACE = 0x7d, RBRACKET = 0x5d;

/**
 * Throws a 413 problem when `text` (JSON, not yet parsed) nests deeper than
 * maxJsonDepth, has more than maxJsonKeys object keys in all, or a key longer
 * than maxJsonKeyLength. One pass over structural characters; strings are
 * skipped with indexOf. Malformed JSON is left for JSON.parse to report.
 */
export function checkJsonLimits(text: string, limits: JsonLimits): void {
  if (withinLimitsBySize(text, limits)) return;
  // Small bodies are scanned char by char: a regex match allocates per
  // structural character, ~20x the loop's cost there. Large ones are mostly
  // digits, which the regex engine skips faster.
  if (text.length <= SMALL_BODY_CHARS) scanSmall(text, limits);
  else scanLarge(text, limits);
}

/**
 * True when no scan is needed because no body this size could break a
 * limit: every key takes at least 3 characters of the text (its quotes and
 * colon), so there are at most length / 3 keys and none is longer than
 * length - 3; nesting needs an opening bracket per level (brackets inside
 * strings only raise the count). False says nothing: scan.
 * A small-graph body passes in ~20 indexOf calls; the char-by-char scan was
 * the costliest JavaScript function of its request (bench/instructions.js).
 */
function withinLimitsBySize(text: string, limits: JsonLimits): boolean {
  if (text.length > SMALL_BODY_CHARS || text.length > 3 * limits.maxJsonKeys || text.length - 3 > limits.maxJsonKeyLength) return false;
  return countUpTo(text, '[', limits.maxJsonDepth) + countUpTo(text, '{', limits.maxJsonDepth) <= limits.maxJsonDepth;
}

/** Occurrences of `c` in `text`, counted up to max + 1. */
function countUpTo(text: string, c: string, max: number): number {
  let n = 0;
  for (let i = text.indexOf(c); i >= 0 && n <= max; i = text.indexOf(c, i + 1)) n++;
  return n;
}

const SMALL_BODY_CHARS = 16 * 1024;

function scanSmall(text: string, limits: JsonLimits): void {
  const state = { depth: 0, keys: 0 };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = afterString(text, i, state, limits);
      if (i < 0) return;
      i--; // the loop's i++ lands on the character after the string
    } else if (c === LBRACE || c === LBRACKET || c === RBRACE || c === RBRACKET) bracket(c, state, limits);
  }
}

function scanLarge(text: string, limits: JsonLimits): void {
  const state = { depth: 0, keys: 0 };
  const structural = /["{}[\]]/g;
  for (let m = structural.exec(text); m !== null; m = structural.exec(text)) {
    const c = text.charCodeAt(m.index);
    if (c === QUOTE) {
      const next = afterString(text, m.index, state, limits);
      if (next < 0) return;
      structural.lastIndex = next;
    } else bracket(c, state, limits);
  }
}

interface ScanState {
  depth: number;
  keys: number;
}

function bracket(c: number, state: ScanState, limits: JsonLimits): void {
  if (c === LBRACE || c === LBRACKET) {
    if (++state.depth > limits.maxJsonDepth) throw limitProblem(`the body nests deeper than MAX_JSON_DEPTH (${limits.maxJsonDepth})`);
  } else state.depth--;
}

/** Index just past the string opening at `open` (-1 when unterminated), counting it as a key when a colon follows. */
function afterString(text: string, open: number, state: ScanState, limits: JsonLimits): number {
  const start = open + 1;
  let j = start;
  for (;;) {
    j = text.indexOf('"', j);
    if (j < 0) return -1; // unterminated: JSON.parse says where
    let b = 0;
    while (text.charCodeAt(j - 1 - b) === BACKSLASH) b++;
    if (b % 2 === 0) break;
    j++;
  }
  let k = j + 1;
  while (k < text.length && text.charCodeAt(k) <= 0x20) k++;
  if (text.charCodeAt(k) === COLON) {
    if (++state.keys > limits.maxJsonKeys) throw limitProblem(`the body has more than MAX_JSON_KEYS (${limits.maxJsonKeys}) object keys`);
    if (j - start > limits.maxJsonKeyLength) throw limitProblem(`an object key is longer than MAX_JSON_KEY_LENGTH (${limits.maxJsonKeyLength} characters)`);
  }
  return j + 1;
}

function limitProblem(detail: string): ProblemError {
  return new ProblemError('tooLarge', `${detail}; refused before parsing`);
}
