// The configuration table of the README, generated from SETTINGS so the two
// cannot drift (test/config.test.ts compares them).
import { SETTINGS } from './config.js';

export function configTableMarkdown(): string {
  const rows = SETTINGS.map((s) => {
    const d = typeof s.default === 'function' ? 'available cores' : s.default === undefined ? '(unset)' : `\`${s.default}\``;
    return `| \`${s.env}\` | ${d} | ${s.doc} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
