import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PassThrough } from 'node:stream';

import { afterEach, describe, expect, it } from 'vitest';

import { StdinSource } from '../../src/sources/stdin.js';
import { ROOT } from '../support/paths.js';
import { sleep } from '../support/wait.js';
import { RecordingSink } from './recording-sink.js';

const STDIN_TS = pathToFileURL(fileURLToPath(new URL('../../src/sources/stdin.ts', import.meta.url))).href;

/** A real process reading its real stdin through the source, reporting what the sink saw as JSON on stdout. */
const CHILD = `
import { createHash } from 'node:crypto';
const { StdinSource } = await import(${JSON.stringify(STDIN_TS)});
const hash = createHash('sha256');
const calls = [];
let bytes = 0;
const source = new StdinSource();
await source.start({
  data(stream, chunk) { hash.update(chunk); bytes += chunk.length; if (calls.at(-1) !== 'data:' + stream) calls.push('data:' + stream); },
  streamEnd(stream) { calls.push('streamEnd:' + stream); },
  end() {
    calls.push('end');
    process.stdout.write(JSON.stringify({ finite: source.finite, bytes, sha256: hash.digest('hex'), calls }));
  },
  warn(message) { calls.push('warn:' + message); },
});
`;

interface ChildReport {
  finite: boolean;
  bytes: number;
  sha256: string;
  calls: string[];
}

function runChild(input: Buffer[]): Promise<{ code: number | null; report: ChildReport; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    // The child exiting on its own (no stop() call) is part of the test: a finite source must not hold the loop.
    child.on('close', (code) => {
      try {
        resolve({ code, report: JSON.parse(stdout) as ChildReport, stderr });
      } catch {
        reject(new Error(`child exited ${code} with stdout ${JSON.stringify(stdout)} stderr ${stderr}`));
      }
    });
    void (async () => {
      for (const part of input) {
        if (!child.stdin.write(part)) await new Promise((r) => child.stdin.once('drain', r));
      }
      child.stdin.end();
    })();
  });
}

describe('stdin source', () => {
  const sources: StdinSource[] = [];
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.stop()));
  });

  it('a real process reads piped bytes byte-exact, then streamEnd and end, and exits', async () => {
    const parts = Array.from({ length: 30 }, (_, i) => randomBytes(100_000 + i)); // ~3 MB, odd boundaries
    const all = Buffer.concat(parts);
    const { code, report, stderr } = await runChild(parts);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(report).toEqual({
      finite: true,
      bytes: all.length,
      sha256: createHash('sha256').update(all).digest('hex'),
      calls: ['data:stdin', 'streamEnd:stdin', 'end'],
    });
  });

  it('empty stdin: streamEnd and end, no data', async () => {
    const { code, report } = await runChild([]);
    expect(code).toBe(0);
    expect(report.calls).toEqual(['streamEnd:stdin', 'end']);
  });

  it('pause holds data back until resume', async () => {
    const input = new PassThrough();
    const source = new StdinSource({ input });
    sources.push(source);
    const sink = new RecordingSink();
    await source.start(sink);
    input.write('one\n');
    await sink.waitFor('first chunk', () => sink.dataCount === 1);

    source.pause();
    for (let i = 0; i < 10; i++) {
      input.write(`paused ${i}\n`);
      await sleep(20);
    }
    expect(sink.dataCount).toBe(1);
    input.end('last line without newline');
    await sleep(50);
    expect(sink.endCount).toBe(0); // the end waits behind the paused data

    source.resume();
    await sink.waitFor('end', () => sink.endCount === 1);
    const expected = `one\n${Array.from({ length: 10 }, (_, i) => `paused ${i}\n`).join('')}last line without newline`;
    expect(sink.text('stdin')).toBe(expected);
    expect(sink.violations).toEqual([]);
  });

  it('a read error is a warning and ends the input', async () => {
    const input = new PassThrough();
    const source = new StdinSource({ input });
    sources.push(source);
    const sink = new RecordingSink();
    await source.start(sink);
    input.destroy(Object.assign(new Error('boom'), { code: 'EIO' }));
    await sink.waitFor('end', () => sink.endCount === 1);
    expect(sink.warnings).toHaveLength(1);
    expect(sink.warnings[0]).toMatch(/reading standard input failed/);
    expect(sink.streamEnds).toEqual(['stdin']);
  });

  it('cannot be started twice', async () => {
    const source = new StdinSource({ input: new PassThrough() });
    sources.push(source);
    await source.start(new RecordingSink());
    await expect(source.start(new RecordingSink())).rejects.toThrow(/LP_ERR_SOURCE_STATE/);
  });
});
