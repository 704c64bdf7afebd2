// The shape of src/: no import cycle (type-only imports count too: they tangle the layering as much as runtime
// ones), and no file over 300 lines (DESIGN.md: a component that grows past ~300 lines becomes a folder).
// Imports are read with the TypeScript parser, so multi-line imports, `import type`, `export … from`,
// `import('./x.js')` (as a call or as a type) count, and text in comments or strings does not.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const MAX_LINES = 300;

/** Every module specifier a file imports or re-exports, in any form. */
function importSpecifiers(fileName: string, text: string): string[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const literal = (node: ts.Node | undefined): void => {
    if (node !== undefined && ts.isStringLiteralLike(node)) found.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) literal(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) literal(node.moduleReference.expression);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) literal(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) literal(node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The file a relative specifier names (`./x.js` is `./x.ts` in the sources), if it is one of `files`. */
function resolveImport(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => files.has(c));
}

/**
 * The cycles of the graph, as paths back to their start: for each module on a cycle, the shortest cycle through it
 * (duplicates dropped), so every module of a tangle is named in a cycle it is on.
 */
function findCycles(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  // Tarjan's strongly connected components.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const strongConnect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) components.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) strongConnect(v);
  const cycles = new Map<string, string[]>();
  for (const component of components) {
    for (const start of component) {
      const cycle = rotateToSmallest(shortestCycle(graph, component, start));
      cycles.set(cycle.join('\0'), cycle);
    }
  }
  return [...cycles.values()].sort((a, b) => a.join('\0').localeCompare(b.join('\0')));
}

/** `[b, c, a, b]` → `[a, b, c, a]`: one spelling per cycle. */
function rotateToSmallest(cycle: string[]): string[] {
  const ring = cycle.slice(0, -1);
  const at = ring.indexOf([...ring].sort()[0]!);
  const rotated = [...ring.slice(at), ...ring.slice(0, at)];
  return [...rotated, rotated[0]!];
}

/** Breadth-first from `start` back to itself, staying inside its strongly connected component. */
function shortestCycle(graph: ReadonlyMap<string, ReadonlySet<string>>, component: string[], start: string): string[] {
  const inside = new Set(component);
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return [...path, start];
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  throw new Error(`unreachable: ${start} is in a strongly connected component but on no cycle`);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const lineCount = (text: string): number => (text === '' ? 0 : text.replace(/(\r\n|\r|\n)$/, '').split(/\r\n|\r|\n/).length);
const rel = (path: string): string => relative(SRC, path);

describe('src/ structure', () => {
  const files = sourceFiles(SRC);
  const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));

  it('has no import cycle', () => {
    const known = new Set(files);
    const graph = new Map<string, Set<string>>();
    for (const [file, text] of texts) {
      const targets = importSpecifiers(file, text).map((s) => resolveImport(file, s, known));
      graph.set(file, new Set(targets.filter((t): t is string => t !== undefined)));
    }
    const cycles = findCycles(graph).map((cycle) => cycle.map(rel).join(' → '));
    expect(cycles, 'import cycles in src/ (move the shared piece to a module both sides can import)').toEqual([]);
  });

  it(`has no file over ${MAX_LINES} lines`, () => {
    const over = [...texts].filter(([, text]) => lineCount(text) > MAX_LINES).map(([file, text]) => `${rel(file)} (${lineCount(text)} lines)`);
    expect(over, `src/ files over ${MAX_LINES} lines (split them by idea; a component that outgrows one file becomes a folder)`).toEqual([]);
  });
});

describe('the structure checks themselves', () => {
  it('see every form of import and nothing in comments or strings', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      "import './side-effect.js';",
      "import {\n  c,\n  d,\n} from './multi-line.js';",
      "export { e } from './e.js';",
      "export type { F } from './f.js';",
      "export * from './g.js';",
      "const h = await import('./h.js');",
      "let i: typeof import('./i.js');",
      "type J = import('./j.js').J;",
      "import k = require('./k.js');",
      "// import { no } from './comment.js';",
      "const s = \"import { no } from './string.js'\";",
      "import fs from 'node:fs';",
    ].join('\n');
    expect(importSpecifiers('x.ts', text)).toEqual([
      './a.js', './b.js', './side-effect.js', './multi-line.js', './e.js', './f.js', './g.js', './h.js', './i.js', './j.js', './k.js', 'node:fs',
    ]);
  });

  it('name a cycle through every module of a tangle, as a path back to its start', () => {
    const graph = new Map<string, Set<string>>([
      ['a', new Set(['b'])],
      ['b', new Set(['c', 'a'])],
      ['c', new Set(['a'])],
      ['d', new Set(['d'])],
      ['e', new Set(['a'])],
    ]);
    expect(findCycles(graph)).toEqual([['a', 'b', 'a'], ['a', 'b', 'c', 'a'], ['d', 'd']]);
    expect(findCycles(new Map([['a', new Set(['b'])], ['b', new Set<string>()]]))).toEqual([]);
  });

  it('count lines as an editor numbers them, with or without a final newline', () => {
    expect([lineCount(''), lineCount('a'), lineCount('a\n'), lineCount('a\nb'), lineCount('a\r\nb\r\n')]).toEqual([0, 1, 1, 2, 2]);
  });
});
