// Prints the config reference (every key, its type, default and description) as a Markdown table, from the
// schema itself. `npm run docs:config` rewrites the README section between the config-reference markers;
// a test fails when the README and the schema disagree.
import { fileURLToPath } from 'node:url';

import { configKeys } from '../src/config/config-keys.js';
import { cell, updateReadme, withReadmeSection } from './readme-section.js';

export function configReferenceTable(): string {
  const rows = configKeys()
    .filter((k) => k.type !== 'section')
    .map((k) => `| \`${k.path}\` | ${cell(k.type)} | ${k.default === undefined ? '—' : `\`${cell(JSON.stringify(k.default))}\``} | ${cell(k.description)} |`);
  return ['| key | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

export function withConfigReference(readme: string): string {
  return withReadmeSection(readme, 'config-reference', configReferenceTable());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) updateReadme(withConfigReference);
