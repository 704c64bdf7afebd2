// Prints the error codes of src/errors.ts (code, exit code, meaning) as a Markdown table. `npm run docs:errors`
// rewrites the README section between the errors-reference markers; a test fails when they disagree.
import { fileURLToPath } from 'node:url';

import { ERRORS, type ErrorSpec } from '../src/errors.js';
import { cell, updateReadme, withReadmeSection } from './readme-section.js';

export function errorsReferenceTable(): string {
  const rows = Object.entries(ERRORS as Record<string, ErrorSpec>).map(([code, e]) => `| \`${code}\` | ${e.exitCode} | ${cell(e.meaning)} |`);
  return ['| code | exit code | meaning |', '|---|---|---|', ...rows].join('\n');
}

export function withErrorsReference(readme: string): string {
  return withReadmeSection(readme, 'errors-reference', errorsReferenceTable());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) updateReadme(withErrorsReference);
