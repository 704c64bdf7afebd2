// Real nginx and Apache (Debian's packages, installed on first use) started by a test as its own processes, on
// free loopback ports (127.0.0.1, and [::1] when the machine has it), serving a small static docroot and writing
// their access logs in the combined and the JSON format (test/support/web-servers-config.ts). Stopping is graceful
// (nginx SIGQUIT, Apache SIGWINCH), so every request the server took is in its logs once it has exited.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ensureDebianPackage } from './debian.js';
import { freePort } from './net.js';
import { apacheConf, type Listen, nginxConf, type ServerFiles } from './web-servers-config.js';
import { untilAsync } from './wait.js';

export type ServerKind = 'nginx' | 'apache';

export interface WebServer extends ServerFiles, Listen {
  kind: ServerKind;
  /** Stops it gracefully and waits for its exit; its logs are then complete. */
  stop(): Promise<void>;
  /** What it wrote to its error log and stderr, for a failure message. */
  diagnostics(): string;
}

const live = new Set<ChildProcess>();

/** Whether ::1 can be bound here (a container may have no IPv6 loopback). */
async function bindable(host: string, port: number): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port, host);
    await once(server, 'listening');
    server.close();
    await once(server, 'close');
    return true;
  } catch {
    return false;
  }
}

/** A port free on 127.0.0.1 and, when there is IPv6 loopback, on ::1 too. */
async function freeListen(): Promise<Listen> {
  const ipv6 = await bindable('::1', 0);
  for (;;) {
    const port = await freePort();
    if (!ipv6 || (await bindable('::1', port))) return { port, ipv6 };
  }
}

/** The docroot: pages that answer 200, a directory without an index (403), a name that needs percent-encoding. */
function writeDocroot(docroot: string): void {
  mkdirSync(join(docroot, 'static'), { recursive: true });
  mkdirSync(join(docroot, 'private'), { recursive: true });
  writeFileSync(join(docroot, 'index.html'), '<h1>logpulse test</h1>\n');
  writeFileSync(join(docroot, 'static', 'app.txt'), 'x'.repeat(5000));
  writeFileSync(join(docroot, 'static', 'hello world.txt'), 'hello\n');
  writeFileSync(join(docroot, 'static', 'café.html'), '<p>café</p>\n');
  writeFileSync(join(docroot, 'private', 'notes.txt'), 'no index in this directory\n');
}

/** A directory the server's unprivileged worker (nobody, www-data) can read. */
function makeDirs(kind: ServerKind): ServerFiles {
  const dir = mkdtempSync(join(tmpdir(), `logpulse-${kind}-`));
  chmodSync(dir, 0o755);
  const docroot = join(dir, 'htdocs');
  writeDocroot(docroot);
  return { dir, docroot, combinedLog: join(dir, 'access.log'), jsonLog: join(dir, 'access.json.log') };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts nginx or Apache; resolves once it accepts connections. */
export async function startWebServer(kind: ServerKind): Promise<WebServer> {
  await ensureDebianPackage(kind === 'nginx' ? 'nginx' : 'apache2');
  const files = makeDirs(kind);
  const listen = await freeListen();
  const root = process.getuid?.() === 0;
  const conf = join(files.dir, kind === 'nginx' ? 'nginx.conf' : 'apache2.conf');
  let child: ChildProcess;
  if (kind === 'nginx') {
    writeFileSync(conf, nginxConf(files, listen, root));
    child = spawn('/usr/sbin/nginx', ['-p', files.dir, '-e', join(files.dir, 'error.log'), '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } else {
    writeFileSync(conf, apacheConf(files, listen, root));
    child = spawn('/usr/sbin/apache2', ['-f', conf, '-DFOREGROUND'], { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  live.add(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = once(child, 'exit');
  void exited.then(() => live.delete(child));
  const diagnostics = (): string => {
    let errorLog = '';
    try {
      errorLog = readFileSync(join(files.dir, 'error.log'), 'utf8');
    } catch {
      errorLog = '(no error log)';
    }
    return `${kind} exit ${child.exitCode ?? child.signalCode}; output:\n${output}\nerror.log:\n${errorLog}`;
  };
  try {
    await untilAsync(`${kind} accepting on port ${listen.port}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${kind} exited`);
      return accepts(listen.port);
    }, { ms: 20_000, everyMs: 100 });
  } catch (e) {
    child.kill('SIGTERM');
    throw new Error(`${kind} did not start (${(e as Error).message}): ${diagnostics()}`);
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    // Graceful: nginx SIGQUIT and Apache SIGWINCH finish the requests in hand (and write their lines) first.
    child.kill(kind === 'nginx' ? 'SIGQUIT' : 'SIGWINCH');
    const timer = setTimeout(() => child.kill('SIGTERM'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  return { kind, ...files, ...listen, stop, diagnostics };
}

/** Stops every server started here that still runs, at once (a failed test's afterAll): SIGTERM, not SIGKILL, so that
 * the master stops its workers too. */
export function killWebServers(): void {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
}
