// A webhook receiver for tests: a real node:http server on a fixed loopback port that records every POST (headers
// and the exact body) and answers with the status the test sets; it can go away (the port closed, open
// connections cut) and come back on the same port.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface Received {
  /** The status it was answered with. */
  status: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** What the next POSTs are answered with. */
  status = 200;
  readonly port: number;
  #server: Server | null = null;

  constructor(port: number) {
    this.port = port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.status;
        this.received.push({ status, path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no');
      });
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.#server = server;
  }

  /** Gone: the port refuses connections, and kept-alive ones are cut. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    server.close();
    server.closeAllConnections();
    await once(server, 'close');
  }

  /** The POSTs answered 200. */
  delivered(): Received[] {
    return this.received.filter((r) => r.status === 200);
  }
}
