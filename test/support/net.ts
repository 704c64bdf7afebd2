// Ports for tests and benches that need a number before anything listens on it (a tcp-listen:// URI, a client
// that must meet a refused connection first).
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A loopback port nobody listens on right now (bind 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address !== 'object') throw new Error('no port');
  return address.port;
}
