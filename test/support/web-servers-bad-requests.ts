// Requests no HTTP client library would send, written byte for byte on a socket: what broken clients, scanners and
// attackers send a web server, and what it then writes to its access log — nginx's `"GARBAGE" 400`, an empty
// request `""`, HTTP/0.9's `"GET /"`, bytes >= 0x80 and control bytes in the URL and the headers, a TLS handshake on
// the plain port. Each is answered by the server itself (mostly 400, 414, 501, 505); every one that the server logs
// must be counted by logpulse as a record, never rejected.
import { createConnection } from 'node:net';

const CLOSE = 'Host: localhost\r\nConnection: close\r\n';

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

/** Every bad request, by name (the names say what each tries; what a server answers differs, see the fixtures). */
export const BAD_REQUESTS: readonly (readonly [string, Buffer])[] = [
  ['garbage', bytes('GARBAGE\r\n\r\n')],
  ['empty request line', bytes('\r\n\r\n')],
  ['blank request line', bytes(' \r\n\r\n')],
  ['HTTP/0.9', bytes('GET /\r\n\r\n')],
  ['HTTP/9.9', bytes(`GET / HTTP/9.9\r\n${CLOSE}\r\n`)],
  ['bad protocol', bytes(`GET / FOO/1.0\r\n${CLOSE}\r\n`)],
  ['bad version', bytes(`GET / HTTP/1.1x\r\n${CLOSE}\r\n`)],
  ['HTTP/2 preface', bytes('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')],
  ['TLS handshake', bytes([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a])],
  ['bytes >= 0x80 in the URL', bytes('GET /caf', [0xe9], '?q=', [0xff, 0xfe], ` HTTP/1.1\r\n${CLOSE}\r\n`)],
  ['UTF-8 in the URL', bytes('GET /static/caf', [0xc3, 0xa9], `.html HTTP/1.1\r\n${CLOSE}\r\n`)],
  ['bytes >= 0x80 and quotes in the headers', bytes(`GET /ua HTTP/1.1\r\n${CLOSE}User-Agent: Mozilla/5.0 "x" \\ `, [0xe9, 0xff], `\r\nReferer: http://a/"q"\\\r\n\r\n`)],
  ['a control byte in a header', bytes(`GET /ua HTTP/1.1\r\n${CLOSE}User-Agent: bot`, [0x01], '\r\n\r\n')],
  ['a quote in the URL', bytes(`GET /a"b HTTP/1.1\r\n${CLOSE}\r\n`)],
  ['a control byte in the URL', bytes(`GET /a\x01b HTTP/1.1\r\n${CLOSE}\r\n`)],
  ['a tab in the URL', bytes(`GET /a\tb HTTP/1.1\r\n${CLOSE}\r\n`)],
  ['a NUL, percent-encoded', bytes(`GET /%00 HTTP/1.1\r\n${CLOSE}\r\n`)],
  ['bad percent-encoding', bytes(`GET /%zz%e9%ff HTTP/1.1\r\n${CLOSE}\r\n`)],
  ['path traversal', bytes(`GET /../../etc/passwd HTTP/1.1\r\n${CLOSE}\r\n`)],
  ['no Host', bytes('GET / HTTP/1.1\r\nConnection: close\r\n\r\n')],
  ['lowercase method', bytes(`get / HTTP/1.1\r\n${CLOSE}\r\n`)],
  ['unknown method', bytes(`FOO / HTTP/1.1\r\n${CLOSE}\r\n`)],
  ['CONNECT', bytes(`CONNECT localhost:443 HTTP/1.1\r\n${CLOSE}\r\n`)],
  ['absolute URI', bytes(`GET http://other.example/x HTTP/1.1\r\n${CLOSE}\r\n`)],
  ['header too large', bytes(`GET / HTTP/1.1\r\n${CLOSE}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`)],
  ['URI too long', bytes(`GET /${'a'.repeat(10_000)}?q=${'%22'.repeat(500)} HTTP/1.1\r\n${CLOSE}\r\n`)],
  ['LF line ends', bytes('GET / HTTP/1.1\nHost: localhost\nConnection: close\n\n')],
  ['cut off mid-header', bytes('GET / HTTP/1.1\r\nHost: local')],
];

/** Writes `request` on a new connection, half-closes it, and resolves with the response's first line once the
 * server closes (or after 5 s, whatever came). */
export function sendRaw(host: string, port: number, request: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const got: Buffer[] = [];
    socket.on('data', (d: Buffer) => got.push(d));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => socket.destroy(), 5_000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(got).toString('latin1').split('\r\n')[0] ?? '');
    });
    socket.end(request);
  });
}
