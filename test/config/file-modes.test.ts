// output.fileMode / output.dirMode (src/file-modes.ts): octal strings, the owner keeps what the daemon needs, a bad
// value is a problem naming the key and never a default silently taken.
import { describe, expect, it } from 'vitest';

import { parseConfigText } from '../../src/config/load.js';
import { formatProblem } from '../../src/config/problems.js';
import { parseMode } from '../../src/file-modes.js';

const load = (output: string) => parseConfigText(`output: ${output}\n`, 'c.yaml', { env: {} });

describe('output.fileMode / output.dirMode', () => {
  it('default to 0640 and 0750; take 3 or 4 octal digits', () => {
    const d = load('{}');
    expect(d.ok && [d.config.output.fileMode, d.config.output.dirMode]).toEqual([0o640, 0o750]);
    const c = load('{ fileMode: "600", dirMode: "0700" }');
    expect(c.ok && [c.config.output.fileMode, c.config.output.dirMode]).toEqual([0o600, 0o700]);
    expect(parseMode('0644')).toBe(0o644);
    expect(parseMode('1644')).toBeNull();
    expect(parseMode('0648')).toBeNull();
    expect(parseMode('64')).toBeNull();
  });

  it('a mode that is not octal, has special bits, or locks the owner out is a problem naming the key', () => {
    for (const [output, key] of [
      ['{ fileMode: "rw-r-----" }', 'output.fileMode'],
      ['{ fileMode: "4640" }', 'output.fileMode'],
      ['{ fileMode: "0440" }', 'output.fileMode'],
      ['{ dirMode: "0640" }', 'output.dirMode'],
      ['{ dirMode: "0650" }', 'output.dirMode'],
    ] as const) {
      const r = load(output);
      expect(r.ok, output).toBe(false);
      if (!r.ok) expect(r.problems.map(formatProblem), output).toEqual([expect.stringMatching(new RegExp(`^${key.replace('.', '\\.')}: must be an octal permission string`))]);
    }
    // A number is refused too: YAML reads 0640 as 416 (or 640), never what was meant.
    const n = load('{ fileMode: 0640 }');
    expect(!n.ok && n.problems.map(formatProblem)).toEqual(['output.fileMode: must be a string (line 1)']);
  });
});
