// Running the CLI under a pseudo-terminal, as a person at a terminal runs it: util-linux `script` gives the child a
// pty for stdin, stdout and stderr and copies what the terminal would show to its own stdout (both streams, in
// the order written, with the terminal's \r\n).
import { spawn } from 'node:child_process';
import { once } from 'node:events';

import { CLI } from './paths.js';

export interface PtyRun {
  code: number | null;
  /** What the terminal showed, with \r\n turned into \n. */
  screen: string;
}

/** Runs `node dist/cli/main.js ARGS` under `script` in `cwd`; resolves once it exits. */
export function runInPty(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<PtyRun> {
  return runShellInPty([process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' '), cwd, env);
}

/** Runs a shell command line under `script` in `cwd`; resolves once it exits. */
export async function runShellInPty(command: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<PtyRun> {
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, screen: out.replace(/\r\n/g, '\n') };
}

/**
 * The lines a person would read once the run is over: on each line only what follows the last move back to its
 * first column (a progress bar redrawn and cleared in place: `\r`, ESC[1G, ESC[2K), other escape codes dropped.
 */
export function visibleLines(screen: string): string[] {
  return screen.split('\n').map((line) => {
    const parts = line.split(/\r|\u001b\[1G|\u001b\[2K/);
    return parts[parts.length - 1]!.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
  });
}
