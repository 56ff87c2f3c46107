// bodyText (src/json-body.ts) reads an ASCII body as latin1 for speed: it
// must give exactly the string UTF-8 decoding gives, for any bytes at all.
import { describe, expect, it } from 'vitest';
import { bodyText } from '../src/json-body.js';

describe('bodyText', () => {
  it('equals UTF-8 decoding: ASCII, latin1-range letters, multi-byte, invalid sequences, empty', () => {
    const cases = ['', '{"x":1}', '{"é":1,"ÿ":2}', '{"x名":"😀"}', '\u007f\u0080', 'a'.repeat(100_000)].map((s) => Buffer.from(s, 'utf8'));
    cases.push(Buffer.from([0xff, 0xfe, 0x41]), Buffer.from([0xc3]), Buffer.from([0xe2, 0x82]), Buffer.from([0x7b, 0xed, 0xa0, 0x80, 0x7d]));
    for (const b of cases) expect(bodyText(b)).toBe(b.toString('utf8'));
  });

  it('equals UTF-8 decoding on 2000 random byte strings, mostly ASCII', () => {
    let s = 12345;
    const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s >>> 8);
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.alloc(next() % 64);
      for (let j = 0; j < b.length; j++) b[j] = next() % 50 === 0 ? next() & 0xff : next() & 0x7f;
      expect(bodyText(b)).toBe(b.toString('utf8'));
    }
  });
});
