// The safetensors-style binary framing of API.md:
//
//   [8 bytes: N, little-endian unsigned] [N bytes: UTF-8 JSON] [data buffer]
//
// In the JSON a tensor may be `{"dtype", "shape", "data_offsets": [b, e]}`,
// byte offsets into the data buffer (little-endian, row-major).

import { ProblemError } from '../errors.js';
import { mapRawTensors, rawBytes } from './encode.js';

export interface BinaryBody {
  /** The JSON request (always a JSON object). */
  header: unknown;
  /** The buffer after the header; `data_offsets` index into it. A view, not a copy. */
  data: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Splits a binary request body; every bound is checked (400 otherwise). */
export function parseBinaryBody(buf: Uint8Array): BinaryBody {
  if (buf.byteLength < 8) {
    throw new ProblemError(
      'invalidRequest',
      `a binary body starts with an 8-byte little-endian header length; this body has only ${buf.byteLength} bytes`,
    );
  }
  const n = new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true);
  const rest = buf.byteLength - 8;
  if (n > BigInt(rest)) {
    throw new ProblemError('invalidRequest', `the binary header length is ${n} bytes but only ${rest} bytes follow it`);
  }
  const end = 8 + Number(n);
  let text: string;
  try {
    text = utf8.decode(buf.subarray(8, end));
  } catch {
    throw new ProblemError('invalidJson', 'the binary header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = parseJsonSafely(text);
  } catch (e) {
    if (e instanceof ProblemError) throw e;
    throw new ProblemError('invalidJson', `the binary header is not valid JSON: ${(e as Error).message}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new ProblemError('invalidRequest', 'the binary header must be a JSON object (the request)');
  }
  return { header, data: buf.subarray(end) };
}

// Like fastify's JSON parser (secure-json-parse): refuse "__proto__" keys
// and "constructor": {"prototype": ...}. The slow reviver runs only when the
// text could contain such a key.
const SUSPECT = /__proto__|constructor|\\u/;

function parseJsonSafely(text: string): unknown {
  if (!SUSPECT.test(text)) return JSON.parse(text);
  return JSON.parse(text, function (this: unknown, key: string, value: unknown) {
    if (key === '__proto__') {
      throw new ProblemError('invalidRequest', 'the binary header contains a forbidden "__proto__" key');
    }
    if (key === 'constructor' && value !== null && typeof value === 'object' && Object.hasOwn(value, 'prototype')) {
      throw new ProblemError('invalidRequest', 'the binary header contains a forbidden "constructor.prototype" key');
    }
    return value;
  });
}

/**
 * Frames a response body in the binary format.
 *
 * Input design: the body is the response exactly as the route would send it
 * as JSON, except that tensors are left RAW: `{shape, dtype, data}` with
 * `data` an ArrayBuffer (what the engine returns) or a typed array (what
 * decodeTensor returns). So the route never builds nested `tolist()` arrays
 * for a binary answer: raw engine results go straight to bytes. Every object
 * whose `shape` is an array, `dtype` a dtype name and `data` an ArrayBuffer or
 * ArrayBuffer view is replaced by `{dtype, shape, data_offsets: [b, e]}` (its
 * other keys kept) and its bytes are appended to the data buffer, each tensor
 * starting at an 8-byte-aligned offset. Anything else (numbers, strings,
 * already-encoded JSON tensors, shape-only dry-run results) is copied into the
 * header unchanged. The header is padded with spaces so that the data buffer
 * itself starts at an 8-byte-aligned offset of the body, as safetensors does.
 * The same raw body goes to encodeResponse(body, 'json' | 'base64') for a
 * JSON answer, so a route builds one body whatever the Accept header says.
 */
export function encodeBinaryResponse(body: Record<string, unknown>): Buffer {
  const chunks: Uint8Array[] = [];
  const starts: number[] = [];
  let size = 0;
  const mapped = mapRawTensors(body, (t) => {
    const bytes = rawBytes(t);
    const begin = align8(size);
    starts.push(begin);
    chunks.push(bytes);
    size = begin + bytes.byteLength;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(t)) if (k !== 'data' && k !== 'shape' && k !== 'dtype') out[k] = (t as unknown as Record<string, unknown>)[k];
    out.dtype = t.dtype;
    out.shape = t.shape;
    out.data_offsets = [begin, begin + bytes.byteLength];
    return out;
  });
  const header = Buffer.from(JSON.stringify(mapped), 'utf8');
  const headerLen = align8(8 + header.byteLength) - 8;
  const total = 8 + headerLen + size;
  const buf = Buffer.allocUnsafe(total);
  buf.writeBigUInt64LE(BigInt(headerLen), 0);
  header.copy(buf, 8);
  buf.fill(0x20, 8 + header.byteLength, 8 + headerLen);
  const base = 8 + headerLen;
  let at = base;
  for (let i = 0; i < chunks.length; i++) {
    const start = base + starts[i]!;
    if (start > at) buf.fill(0, at, start);
    buf.set(chunks[i]!, start);
    at = start + chunks[i]!.byteLength;
  }
  return buf;
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}
