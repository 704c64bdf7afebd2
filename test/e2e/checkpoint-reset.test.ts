// A checkpoint the start cannot use is never dropped silently (issue 13): a corrupt file and one of another format
// version each stop the start (exit 1) with a message naming --reset-checkpoint, the file left where it is; run with
// --reset-checkpoint, the daemon moves it aside and starts without it.
import { existsSync, mkdtempSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pack } from 'msgpackr';
import { expect, it } from 'vitest';

import { spawnCli } from '../support/cli.js';
import { lines, readKind } from './helpers.js';

const LINE = '{"timestamp": 1749462160000, "ip": "10.0.0.1", "method": "GET", "url": "/x", "status": 500}\n';

it.each([
  ['corrupt', Buffer.from('not msgpack at all \u0000\u0001'), /is not a readable logpulse checkpoint \(corrupt, or another file\)/],
  ['from another format version', pack({ version: 2, workers: 1, shards: [], merger: new Uint8Array() }), /has checkpoint format version 2; this logpulse reads version 1/],
])('a %s checkpoint stops the start naming --reset-checkpoint; with it the run starts', async (_, bytes, says) => {
  const dir = mkdtempSync(join(tmpdir(), 'logpulse-ckpt-reset-'));
  const checkpoint = join(dir, 'checkpoint');
  mkdirSync(checkpoint);
  writeFileSync(join(checkpoint, 'state.msgpack'), bytes);
  const input = join(dir, 'in.log');
  writeFileSync(input, LINE);
  const args = ['run', '--source', `file:${input}`, '--no-api', '--output', join(dir, 'out'), '--checkpoint', checkpoint];

  const refused = spawnCli(args, { cwd: dir });
  expect(await refused.exit).toBe(1);
  expect(refused.stderr()).toMatch(says);
  expect(refused.stderr()).toContain('run once with --reset-checkpoint');
  expect(readdirSync(checkpoint)).toEqual(['state.msgpack']);
  expect(lines(readKind(join(dir, 'out'), 'errors'))).toEqual([]);

  const reset = spawnCli([...args, '--reset-checkpoint'], { cwd: dir });
  expect(await reset.exit, reset.stderr()).toBe(0);
  expect(reset.stderr()).toContain('--reset-checkpoint: checkpoint moved aside');
  expect(readdirSync(checkpoint).filter((f) => f.startsWith('state.msgpack.reset-'))).toHaveLength(1);
  expect(existsSync(join(checkpoint, 'state.msgpack'))).toBe(false);
  expect(lines(readKind(join(dir, 'out'), 'errors'))).toEqual([LINE.trim()]);
});
