// The lifecycle and end-to-end tests spawn the real daemon from dist/: compile the TypeScript first, so
// they never run stale code. (The native module is built by `npm ci` / `npm run build:native`.)
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
}
