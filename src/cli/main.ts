#!/usr/bin/env node
// The `logpulse` executable. Before any command: `--version` / `-V`, and the check that the native module loads
// and is this package's version (version.ts) — a mismatch is one clear line and exit 1, not a crash inside the
// first command that touches it. The commands themselves (program.ts) are imported only after that check.
import { keepYoungGenerationSmall } from '../daemon/young-generation.js';
import { nativeProblem, versionLines, versions } from '../version.js';

const args = process.argv.slice(2);
// The daemon's: before its modules load, whose start-up would already grow the young generation to its maximum.
if (args[0] === 'run') keepYoungGenerationSmall();
const v = await versions();
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${versionLines(v).join('\n')}\n`);
  const problem = nativeProblem(v);
  if (problem !== null) process.stderr.write(`${problem.message}\n`);
  process.exitCode = problem === null ? 0 : problem.exitCode;
} else {
  const problem = nativeProblem(v);
  if (problem !== null) {
    process.stderr.write(`logpulse: ${problem.message}\n`);
    process.exitCode = problem.exitCode;
  } else {
    const { runProgram } = await import('./program.js');
    await runProgram(process.argv);
  }
}
