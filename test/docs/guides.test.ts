// docs/operator-guide.md and docs/developer-guide.md cannot rot silently: every repository path they name exists,
// every `path#symbol` names a symbol that occurs in that file, every `npm run X` is a script of package.json, every
// logpulse command they run is a command of the CLI. And README and docs link only to files inside the repository.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ROOT } from '../support/paths.js';

const GUIDES = ['docs/operator-guide.md', 'docs/developer-guide.md'];
const read = (f: string): string => readFileSync(join(ROOT, f), 'utf8');
/** Paths the guides name that a script of the repo writes (gitignored), not the repository itself. */
const GENERATED = ['deploy/compose/secrets']; // scripts/make-certs
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Repository paths a text names (`src/…`, `deploy/…`, …, optionally `#symbol`), not those inside an absolute path. */
export function repoPaths(text: string): { path: string; symbol: string | undefined }[] {
  const re = /(?<![\w/.~-])((?:src|native|test|deploy|scripts|docs|bench|\.ci)\/[A-Za-z0-9_.+/-]*[A-Za-z0-9_/])(?:#([A-Za-z_][A-Za-z0-9_]*))?/g;
  return [...text.matchAll(re)].filter((m) => !/[*{}]/.test(text.slice(m.index, m.index + m[0].length + 1))).map((m) => ({ path: m[1]!, symbol: m[2] }));
}

/** The code of a markdown text: fenced blocks and inline code spans. */
function codeOf(text: string): string[] {
  const fenced = [...text.matchAll(/^```[a-z]*\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
  const inline = [...text.replace(/^```[a-z]*\n[\s\S]*?^```/gm, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  return [...fenced, ...inline];
}

const cliCommands = (): Set<string> => {
  const main = read('src/cli/program.ts');
  return new Set([...main.matchAll(/\.command\('([a-z]+)'\)/g)].map((m) => m[1]!));
};

describe.each(GUIDES)('%s', (guide) => {
  const text = read(guide);

  it('names only repository paths that exist', () => {
    const paths = repoPaths(text);
    expect(paths.length).toBeGreaterThan(10);
    const generated = (p: string): boolean => GENERATED.some((g) => p === g || p.startsWith(`${g}/`));
    const missing = paths.filter((p) => !generated(p.path) && !existsSync(join(ROOT, p.path))).map((p) => p.path);
    expect(missing).toEqual([]);
    for (const g of GENERATED) expect(read('.gitignore').split('\n')).toContain(`${g}/`);
  });

  it('names only symbols that occur in the file named with them', () => {
    const refs = repoPaths(text).filter((p) => p.symbol !== undefined);
    if (guide === 'docs/developer-guide.md') expect(refs.length).toBeGreaterThan(25);
    const missing = refs.filter((r) => !new RegExp(`\\b${r.symbol}\\b`).test(read(r.path))).map((r) => `${r.path}#${r.symbol}`);
    expect(missing).toEqual([]);
  });

  it('runs only npm scripts of package.json and commands of the CLI', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const code = codeOf(text).join('\n');
    for (const m of code.matchAll(/npm run ([\w:-]+)/g)) expect(Object.keys(scripts), `npm run ${m[1]}`).toContain(m[1]);
    const commands = cliCommands();
    expect(commands).toEqual(new Set(['run', 'reload', 'gen', 'merge', 'batch', 'api', 'validate']));
    const used = [...code.matchAll(/(?:^|\n|`)\s*(?:sudo )?(?:npx )?logpulse ([a-z]+)|main\.js ([a-z]+)|\blogpulse (?:image )?(run|gen|merge|batch|api|validate)\b/g)].map((m) => (m[1] ?? m[2] ?? m[3])!);
    expect(used.length).toBeGreaterThan(0);
    for (const c of used) expect(commands, `logpulse ${c}`).toContain(c);
  });
});

describe('README and docs/', () => {
  it('link only to files inside the repository that exist, and never to ../shared', () => {
    for (const doc of DOCS) {
      const text = read(doc);
      expect(text, doc).not.toContain('../shared');
      for (const m of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue; // http(s):, mailto:
        const abs = resolve(dirname(join(ROOT, doc)), target);
        expect(relative(ROOT, abs).startsWith('..'), `${doc}: ${target} leaves the repository`).toBe(false);
        expect(existsSync(abs), `${doc}: ${target} does not exist`).toBe(true);
      }
    }
  });

  it('README links both guides and has a "Run as a service" section on Docker, Compose and systemd', () => {
    const readme = read('README.md');
    expect(readme).toContain('[`docs/operator-guide.md`](docs/operator-guide.md)');
    expect(readme).toContain('[`docs/developer-guide.md`](docs/developer-guide.md)');
    const section = readme.slice(readme.indexOf('## Run as a service'), readme.indexOf('## Commands'));
    for (const word of ['docker build', 'docker compose up', 'docker-compose.sasl.yml', 'scripts/make-certs', 'deploy/logpulse.service', 'systemctl']) {
      expect(section).toContain(word);
    }
  });
});

describe('repoPaths', () => {
  it('finds repository paths and symbols, not absolute paths or globs', () => {
    expect(repoPaths('see `src/a.ts#foo`, deploy/x.yml, /opt/logpulse/native/x, ~/src/y, native/*.node and scripts/kafka.')).toEqual([
      { path: 'src/a.ts', symbol: 'foo' },
      { path: 'deploy/x.yml', symbol: undefined },
      { path: 'scripts/kafka', symbol: undefined },
    ]);
  });
});
