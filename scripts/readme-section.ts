// Sections of README.md generated from the code (the config reference, the error codes): the lines between
// `<!-- NAME:begin -->` and `<!-- NAME:end -->` are replaced; a test compares the README with the result.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const README = fileURLToPath(new URL('../README.md', import.meta.url));

/** `readme` with the body of section `name` replaced by `body`. */
export function withReadmeSection(readme: string, name: string, body: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const start = readme.indexOf(begin);
  const stop = readme.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`README.md has no ${begin} … ${end} section`);
  return `${readme.slice(0, start + begin.length)}\n${body}\n${readme.slice(stop)}`;
}

/** A Markdown table cell: `|` escaped, on one line. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Rewrites README.md through `update`. */
export function updateReadme(update: (readme: string) => string): void {
  writeFileSync(README, update(readFileSync(README, 'utf8')));
}
