// Where the checkout and the built CLI are, for every test and bench that spawns the real thing.
import { fileURLToPath } from 'node:url';

/** The checkout's root directory, with a trailing slash. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The built CLI (`npx tsc -p tsconfig.json`; the tests' global setup compiles it first). */
export const CLI = `${ROOT}dist/cli/main.js`;
