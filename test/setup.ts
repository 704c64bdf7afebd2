// Run before every test file (vitest setupFiles): whatever CLI process a file spawned through test/support/cli.ts
// and left running (a failed test, a forgotten daemon) is killed when the file ends, so it never holds ports,
// CPU or a Kafka group into the next file.
import { afterAll } from 'vitest';

import { killSpawned } from './support/cli.js';

afterAll(killSpawned);
