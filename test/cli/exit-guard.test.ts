// A stopped daemon ends even if a handle it forgot holds the event loop (src/cli/exit-guard.ts), and says what
// the handle was; a process that ends by itself is not held or changed by the guard.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

import { expect, it } from 'vitest';

import { ROOT } from '../support/paths.js';

async function runScript(body: string): Promise<{ code: number | null; stderr: string }> {
  const script = `import { exitIfStillRunning } from '${ROOT}dist/cli/exit-guard.js';
import { createLogger } from '${ROOT}dist/log.js';
const log = createLogger('info');
${body}`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stderr };
}

it('a forgotten interval: the process exits with the given code, naming the Timeout that held it', async () => {
  const { code, stderr } = await runScript(`setInterval(() => {}, 1000);\nexitIfStillRunning(log, 300, 3, 'the end of the run');`);
  expect(code).toBe(3);
  expect(stderr).toContain('still running 300 ms after the end of the run; exiting');
  expect(stderr).toMatch(/"alive":\[[^\]]*"Timeout"/);
});

it('nothing left open: the process ends by itself with its own exit code, the guard says nothing', async () => {
  const { code, stderr } = await runScript(`process.exitCode = 0;\nexitIfStillRunning(log, 60_000, 3, 'the end of the run');`);
  expect(code).toBe(0);
  expect(stderr).not.toContain('still running');
});
