// Captures the web-server fixtures (test/fixtures/web-servers/): a real nginx and a real Apache each serve a small
// seeded traffic with every bad request in every phase, and their four access logs are copied byte for byte, so the
// parsers can be checked on what the servers really write without starting them.
// Run: npx tsx test/support/web-servers-capture.ts test/fixtures/web-servers
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { countAccessLog } from './web-servers-count.js';
import { sendTraffic } from './web-servers-traffic.js';
import { killWebServers, startWebServer } from './web-servers.js';

const out = process.argv[2];
if (out === undefined) throw new Error('usage: web-servers-capture.ts OUT_DIR');
mkdirSync(out, { recursive: true });
try {
  for (const kind of ['nginx', 'apache'] as const) {
    const server = await startWebServer(kind);
    await sendTraffic(server.port, server.ipv6, { phases: 3, perPhase: 60, seed: 14 });
    await server.stop();
    for (const [format, file] of [['combined', server.combinedLog], ['json', server.jsonLog]] as const) {
      const target = join(out, `${kind}-${format}.log`);
      copyFileSync(file, target);
      const count = countAccessLog(readFileSync(target), format, 1000);
      console.log(`${target}: ${count.lines} lines in ${count.windows.size} one-second windows`);
    }
  }
} finally {
  killWebServers();
}
