// checkJsonLimits scans small bodies char by char and large ones with a
// regex, and lets small bodies pass unscanned when their size alone rules
// every limit out: all paths must refuse exactly the same bodies, with the
// same words.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkJsonLimits } from '../../src/security.js';

const limits = { maxJsonDepth: 4, maxJsonKeys: 3, maxJsonKeyLength: 5 };
// Whitespace that pushes the same JSON past the small-body threshold.
const large = (s: string) => s + ' '.repeat(20_000);

function verdict(text: string, l = limits): string {
  try {
    checkJsonLimits(text, l);
    return 'ok';
  } catch (e) {
    return (e as { detail?: string; message: string }).detail ?? (e as Error).message;
  }
}

const cases: Array<[string, RegExp | 'ok']> = [
  ['{"a":[[1]]}', 'ok'],
  ['[[[[1]]]]', 'ok'],
  ['[[[[[1]]]]]', /MAX_JSON_DEPTH \(4\)/],
  ['{"a":{"b":{"c":{"d":1}}}}', /MAX_JSON_KEYS \(3\)/],
  ['{"a":{"b":{"c":[[1]]}}}', /MAX_JSON_DEPTH \(4\)/],
  ['{"a":1,"b":2,"c":3}', 'ok'],
  ['{"a":1,"b":2,"c":3,"d":4}', /MAX_JSON_KEYS \(3\)/],
  ['{"abcde":1}', 'ok'],
  ['{"abcdef":1}', /MAX_JSON_KEY_LENGTH \(5 characters\)/],
  ['{"a" \n : 1}', 'ok'],
  // Brackets, quotes and colons inside strings are text, not structure.
  ['{"a":"[[[[[[{{{{\\"x\\":1,\\"y\\":2,\\"z\\":3,\\"w\\":4"}', 'ok'],
  ['{"a":"\\\\","b":"\\\\\\"","c":1}', 'ok'],
  ['["long value, not a key: abcdefghijkl"]', 'ok'],
  // Unterminated and malformed bodies are JSON.parse's to report.
  ['{"a":"unterminated', 'ok'],
  ['{"a":1}}}}}]]]', 'ok'],
];

describe('checkJsonLimits', () => {
  it.each(cases)('%s', (text, expected) => {
    const small = verdict(text);
    if (expected === 'ok') expect(small).toBe('ok');
    else expect(small).toMatch(expected);
    expect(verdict(large(text))).toBe(small);
  });
});

describe('checkJsonLimits without a scan (size bounds)', () => {
  // Structural characters, quotes, escapes and colons in any order: valid JSON and not.
  const texts = fc.oneof(
    fc.json({ maxDepth: 6 }),
    fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ':', ',', 'a', '1', ' '), maxLength: 60 }),
  );
  const bound = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 13, max: 2000 }));
  const anyLimits = fc.record({ maxJsonDepth: bound, maxJsonKeys: bound, maxJsonKeyLength: bound });

  it("gives the full scan's verdict for every body and limits", () => {
    fc.assert(
      fc.property(texts, anyLimits, (text, l) => {
        // large(): past the small-body size, always scanned (by the regex path).
        expect(verdict(text, l)).toBe(verdict(large(text), l));
      }),
      { numRuns: 3000 },
    );
  });

  it('the bounds are tight: one key more, one level deeper or one character longer than allowed is refused', () => {
    expect(verdict('{"a":1,"b":2}', { maxJsonDepth: 1, maxJsonKeys: 1, maxJsonKeyLength: 100 })).toMatch(/MAX_JSON_KEYS \(1\)/);
    expect(verdict('[[1]]', { maxJsonDepth: 1, maxJsonKeys: 100, maxJsonKeyLength: 100 })).toMatch(/MAX_JSON_DEPTH \(1\)/);
    expect(verdict('{"ab":1}', { maxJsonDepth: 5, maxJsonKeys: 100, maxJsonKeyLength: 1 })).toMatch(/MAX_JSON_KEY_LENGTH \(1 characters\)/);
    expect(verdict('{"ab":1}', { maxJsonDepth: 1, maxJsonKeys: 3, maxJsonKeyLength: 6 })).toBe('ok');
    // The least text a key can take (malformed, but the scan runs before JSON.parse): 3 characters.
    expect(verdict('"":"":"":"":', { maxJsonDepth: 0, maxJsonKeys: 3, maxJsonKeyLength: 100 })).toMatch(/MAX_JSON_KEYS \(3\)/);
    expect(verdict('"":"":"":', { maxJsonDepth: 0, maxJsonKeys: 3, maxJsonKeyLength: 100 })).toBe('ok');
    expect(verdict('"abc":', { maxJsonDepth: 0, maxJsonKeys: 100, maxJsonKeyLength: 2 })).toMatch(/MAX_JSON_KEY_LENGTH \(2 characters\)/);
    expect(verdict('"abc":', { maxJsonDepth: 0, maxJsonKeys: 100, maxJsonKeyLength: 3 })).toBe('ok');
  });
});
