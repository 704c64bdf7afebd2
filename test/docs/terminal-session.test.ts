// The README's terminal session (Commands, "On a terminal") is what a person sees: its `$` commands are run here
// under a pseudo-terminal with NO_COLOR, `logpulse` being this checkout's CLI, and every other line of the block
// must be on the screen, in that order. Only what differs run to run is let vary: log times, the pid, the peak
// memory, the elapsed time and speed; `…` stands for any text, and a line of just `…` for any lines.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { CLI, ROOT } from '../support/paths.js';
import { runShellInPty, visibleLines } from '../support/pty.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function sessionBlock(): string[] {
  const m = /<!-- terminal-session:start -->\n```text\n([\s\S]*?)\n```\n<!-- terminal-session:end -->/.exec(README);
  if (m === null) throw new Error('README: no terminal-session block');
  return m[1]!.split('\n');
}

/** A README line as a pattern for one screen line. */
function linePattern(line: string): RegExp {
  const escaped = line
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const varying = escaped
    .replace(/^\\\[\d\d:\d\d:\d\d\\\.\d{3}\\\]/, '\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\]')
    .replace(/\\\(pid \d+\\\)/, '\\(pid \\d+\\)')
    .replace(/kill \d+/, 'kill \\d+')
    .replace(/in \d+\\\.\d s \\\([\d,]+ lines\/s\\\)$/, 'in [\\d.]+ (s|min \\d+ s) \\([\\d,]+ lines/s\\)');
  return new RegExp(`^${varying}$`);
}

describe('README terminal session', () => {
  it('is what the terminal shows, line for line, in order', async () => {
    const block = sessionBlock();
    const commands = block.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2));
    expect(commands.length).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'logpulse-session-'));
    writeFileSync(join(dir, 'logpulse'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
    chmodSync(join(dir, 'logpulse'), 0o755);
    const r = await runShellInPty(commands.join(' && '), dir, { NO_COLOR: '1', PATH: `${dir}:${process.env.PATH ?? ''}` });
    expect(r.code, r.screen).toBe(0);
    const screen = visibleLines(r.screen);
    let at = 0;
    for (const line of block.filter((l) => !l.startsWith('$ ') && l !== '…')) {
      const pattern = linePattern(line);
      const found = screen.findIndex((s, i) => i >= at && pattern.test(s));
      expect(found, `README line not on the screen (after line ${at}):\n${line}\nscreen:\n${r.screen}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });
});
