// Prints the config reference (every key, its type, default and description) as a Markdown table, from the
// schema itself. `npm run docs:config` rewrites the README section between the config-reference markers;
// a test fails when the README and the schema disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { configKeys } from '../src/config/schema.js';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
const BEGIN = '<!-- config-reference:begin -->';
const END = '<!-- config-reference:end -->';

export function configReferenceTable(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = configKeys()
    .filter((k) => k.type !== 'section')
    .map((k) => `| \`${k.path}\` | ${cell(k.type)} | ${k.default === undefined ? '—' : `\`${cell(JSON.stringify(k.default))}\``} | ${cell(k.description)} |`);
  return ['| key | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

export function withConfigReference(readme: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${BEGIN} … ${END} section`);
  return `${readme.slice(0, start + BEGIN.length)}\n${configReferenceTable()}\n${readme.slice(end)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(README, withConfigReference(readFileSync(README, 'utf8')));
}
