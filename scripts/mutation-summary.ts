// One line per module from the last mutation runs (scripts/mutate): StrykerJS's JSON report for src/ (by folder),
// cargo-mutants' outcomes for native/core (by file and in all). The README's Tests section quotes these lines.
//   node --import tsx scripts/mutation-summary.ts [--by-file]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const STRYKER = join(ROOT, '.cache/mutation/stryker/mutation.json');
const CARGO = join(ROOT, '.cache/mutation/cargo/mutants.out/outcomes.json');
const byFile = process.argv.includes('--by-file');

interface Tally {
  killed: number;
  survived: number;
  noCoverage: number;
  timeout: number;
  other: number;
}
const tally = (): Tally => ({ killed: 0, survived: 0, noCoverage: 0, timeout: 0, other: 0 });
const pct = (n: number, d: number) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)} %`);

if (existsSync(STRYKER)) {
  const report = JSON.parse(readFileSync(STRYKER, 'utf8')) as { files: Record<string, { mutants: { status: string }[] }> };
  const groups = new Map<string, Tally>();
  for (const [file, { mutants }] of Object.entries(report.files)) {
    const key = byFile ? file : file.split('/').slice(0, 2).join('/');
    const t = groups.get(key) ?? tally();
    for (const m of mutants) {
      if (m.status === 'Killed') t.killed++;
      else if (m.status === 'Survived') t.survived++;
      else if (m.status === 'NoCoverage') t.noCoverage++;
      else if (m.status === 'Timeout') t.timeout++;
      else t.other++;
    }
    groups.set(key, t);
  }
  for (const [key, t] of [...groups].sort()) {
    const detected = t.killed + t.timeout;
    const valid = detected + t.survived + t.noCoverage;
    console.log(`${key}: ${pct(detected, valid)} (${t.killed} killed, ${t.timeout} timed out, ${t.survived} survived, ${t.noCoverage} without a covering test)`);
  }
} else {
  console.log(`no StrykerJS report (${STRYKER})`);
}

if (existsSync(CARGO)) {
  type Outcome = { scenario: 'Baseline' | { Mutant: { file?: string; source_file?: string } }; summary: string };
  const { outcomes } = JSON.parse(readFileSync(CARGO, 'utf8')) as { outcomes: Outcome[] };
  const groups = new Map<string, Record<string, number>>();
  for (const o of outcomes) {
    if (o.scenario === 'Baseline') continue;
    const file = o.scenario.Mutant.file ?? o.scenario.Mutant.source_file ?? '?';
    for (const key of byFile ? ['native/core', `native/${file}`] : ['native/core']) {
      const g = groups.get(key) ?? {};
      g[o.summary] = (g[o.summary] ?? 0) + 1;
      groups.set(key, g);
    }
  }
  for (const [key, g] of [...groups].sort()) {
    const caught = g.CaughtMutant ?? 0;
    const missed = g.MissedMutant ?? 0;
    console.log(`${key}: ${pct(caught, caught + missed)} caught / (caught + missed) (${caught} caught, ${missed} missed, ${g.Timeout ?? 0} timed out, ${g.Unviable ?? 0} unviable)`);
  }
} else {
  console.log(`no cargo-mutants outcomes (${CARGO})`);
}
