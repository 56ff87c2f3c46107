// checkJsonLimits scans small bodies char by char and large ones with a
// regex: both paths must refuse exactly the same bodies, with the same words.
import { describe, expect, it } from 'vitest';
import { checkJsonLimits } from '../../src/security.js';

const limits = { maxJsonDepth: 4, maxJsonKeys: 3, maxJsonKeyLength: 5 };
// Whitespace that pushes the same JSON past the small-body threshold.
const large = (s: string) => s + ' '.repeat(20_000);

function verdict(text: string): string {
  try {
    checkJsonLimits(text, limits);
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
