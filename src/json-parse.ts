// JSON.parse for request bodies that carry long strings (base64 tensors):
// the same value, without V8's parser reading every character of them.
//
// JSON.parse scans a string's characters one by one for quotes, escapes and
// control characters, then copies them: for a 1M-element float32 tensor in
// base64 (5.3 MB) that was 18–37 ms of a 35–55 ms request on the bench VM.
// Here the long strings are found with indexOf (a native scan for '"'), and
// each one that needs no unescaping (no backslash) and holds no control
// character is cut out of the text: JSON.parse reads a skeleton with a
// placeholder in its place, and the placeholder is then replaced by a slice
// of the body (V8 makes it a view of the text, not a copy).
//
// Why the value is JSON.parse(text)'s: outside strings a '"' always opens
// one and inside only an unescaped '"' closes it, so the quote scan finds
// exactly JSON's string tokens; a replaced string's content holds no '"',
// '\' or control character and its placeholder neither, so the skeleton is
// valid JSON exactly when the text is, with the same structure. Long strings
// in key position are left in place (keys are limited to MAX_JSON_KEY_LENGTH
// anyway). A skeleton that does not parse is parsed again as the whole text,
// so errors are JSON.parse's own, positions included.
import { randomBytes } from 'node:crypto';

export interface LongStringOptions {
  /** Strings at least this long are cut out of the text. */
  longString: number;
  /** Bodies shorter than this go to JSON.parse directly. */
  minBody: number;
  /** Strings looked at, at most; the text past them stays as it is (a body of many short strings has nothing to gain). */
  maxStringsScanned: number;
}

const DEFAULTS: LongStringOptions = { longString: 64 * 1024, minBody: 256 * 1024, maxStringsScanned: 20_000 };

const CONTROL = /[\u0000-\u001f]/;

/** JSON.parse(text), with long strings taken as slices of the text (see above). */
export function parseJsonBody(text: string, opts: LongStringOptions = DEFAULTS): unknown {
  if (text.length < opts.minBody) return JSON.parse(text);
  const cuts = longStrings(text, opts);
  if (cuts.length === 0) return JSON.parse(text);
  // A fresh 128-bit random nonce: no string of the body can be mistaken for a placeholder.
  const nonce = `gs-long-${randomBytes(16).toString('hex')}:`;
  let skeleton = '';
  let at = 0;
  for (let i = 0; i < cuts.length; i += 2) {
    skeleton += text.slice(at, cuts[i]!) + nonce + i / 2;
    at = cuts[i + 1]!;
  }
  skeleton += text.slice(at);
  let value: unknown;
  try {
    value = JSON.parse(skeleton);
  } catch {
    return JSON.parse(text); // throws JSON.parse's own error for the whole text
  }
  const strings: string[] = [];
  for (let i = 0; i < cuts.length; i += 2) strings.push(text.slice(cuts[i]!, cuts[i + 1]!));
  return restore(value, nonce, strings);
}

/**
 * [start, end) of the content of each string token of at least `longString`
 * characters that has no backslash or control character and is not an
 * object key, in order, among the first `maxStringsScanned` strings.
 */
function longStrings(text: string, opts: LongStringOptions): number[] {
  const cuts: number[] = [];
  let at = 0;
  for (let scanned = 0; scanned < opts.maxStringsScanned; scanned++) {
    const open = text.indexOf('"', at);
    if (open < 0) return cuts;
    // The closing quote: the next '"' not preceded by an odd run of backslashes.
    let close = text.indexOf('"', open + 1);
    for (;;) {
      if (close < 0) return cuts; // unterminated: JSON.parse will say so
      let slashes = 0;
      while (text.charCodeAt(close - 1 - slashes) === 0x5c) slashes++;
      if (slashes % 2 === 0) break;
      close = text.indexOf('"', close + 1);
    }
    at = close + 1;
    if (close - open - 1 < opts.longString) continue;
    const backslash = text.indexOf('\\', open + 1);
    if (backslash >= 0 && backslash < close) continue;
    const content = text.slice(open + 1, close);
    if (CONTROL.test(content) || isKey(text, at)) continue;
    cuts.push(open + 1, close);
  }
  return cuts; // the rest of the text stays as it is
}

/** Whether the string token ending before `at` is an object key (a ':' follows, after JSON whitespace). */
function isKey(text: string, at: number): boolean {
  let c = text.charCodeAt(at);
  while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = text.charCodeAt(++at);
  return c === 0x3a;
}

/** Puts strings[i] where the placeholder nonce + i is (values only: keys were never cut). */
function restore(root: unknown, nonce: string, strings: string[]): unknown {
  const stringOf = (v: unknown): string | undefined =>
    typeof v === 'string' && v.startsWith(nonce) ? strings[Number(v.slice(nonce.length))] : undefined;
  const top = stringOf(root);
  if (top !== undefined) return top;
  let left = strings.length;
  const stack: unknown[] = [root];
  while (stack.length > 0 && left > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (typeof x === 'string') {
          const s = stringOf(x);
          if (s !== undefined) (v[i] = s), left--;
        } else if (x !== null && typeof x === 'object') stack.push(x);
      }
    } else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const x = o[k];
        if (typeof x === 'string') {
          const s = stringOf(x);
          // (An own '__proto__' key, as JSON.parse makes it, is set like any other own property.)
          if (s !== undefined) (o[k] = s), left--;
        } else if (x !== null && typeof x === 'object') stack.push(x);
      }
    }
  }
  return root;
}
