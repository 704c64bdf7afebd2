// The traffic a web-server test sends its nginx or Apache: ordinary requests over node's HTTP client (every method,
// pages that answer 200, 403, 404, 405, 410, 414, 500, 503, quoted user agents and referers, long percent-encoded
// URLs, IPv4 and IPv6 clients) and, in every phase, each raw bad request of web-servers-bad-requests.ts. Phases
// start in distinct wall-clock seconds, so the access log spans at least `phases` one-second windows.
import { Agent, request } from 'node:http';

import { Rng } from './rng.js';
import { BAD_REQUESTS, sendRaw } from './web-servers-bad-requests.js';
import { sleep } from './wait.js';

export interface Traffic {
  /** Phases, each in its own wall-clock second or more. */
  phases: number;
  /** Ordinary requests per phase (the bad requests come on top). */
  perPhase: number;
  /** Leave the raw bad requests out (only to see ordinary lines alone). */
  withoutBadRequests?: boolean;
  seed: number;
}

export interface Sent {
  /** Responses by status (the bad requests' first response lines are not parsed: see `badAnswers`). */
  statuses: Map<number, number>;
  requests: number;
  /** What the server answered each raw bad request, `name: first line`, for a failure message. */
  badAnswers: string[];
}

const USER_AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'curl/8.5.0',
  'Mozilla/5.0 (compatible; "Quoted Bot"/1.0; +http://example.test/bot)',
  'agent with a \\ backslash and "quotes" and a \t tab',
  '',
];

const PAGES: readonly (readonly [string, number])[] = [
  ['/', 20],
  ['/static/app.txt', 10],
  ['/static/hello%20world.txt', 4],
  ['/static/caf%C3%A9.html', 4],
  ['/private/', 3],
  ['/fail', 2],
  ['/unavailable', 2],
  ['/gone', 1],
  ['/missing', 10],
];

const METHODS: readonly (readonly [string, number])[] = [
  ['GET', 60],
  ['HEAD', 6],
  ['POST', 6],
  ['PUT', 3],
  ['DELETE', 3],
  ['OPTIONS', 3],
  ['PATCH', 2],
  ['TRACE', 1],
  ['PROPFIND', 1],
];

/** One ordinary request: method, path (with a query, percent-encoded), headers, IPv4 or IPv6. */
function ordinary(rng: Rng, ipv6: boolean): { method: string; path: string; headers: Record<string, string>; host: string } {
  let path = rng.weighted(PAGES);
  if (path === '/missing') path = `/missing/${rng.int(1, 50)}.html`;
  const query = rng.int(0, 19);
  if (query === 0) path += `?q=${encodeURIComponent(`say "hi" & ü ${rng.int(1, 999)}`)}`;
  else if (query === 1) path += `?long=${'%E2%82%AC'.repeat(rng.int(100, 800))}`;
  else if (query === 2) path = `/${'segment/'.repeat(rng.int(100, 1_200))}`; // 414 past ~8 KB (both servers)
  const headers: Record<string, string> = {};
  const ua = rng.pick(USER_AGENTS);
  if (ua !== '') headers['user-agent'] = ua;
  if (rng.chance(0.3)) headers.referer = `http://ref.example/page?x="${rng.int(1, 9)}"`;
  let method = rng.weighted(METHODS);
  // Apache answers a HEAD it cannot parse (414) with a body, which node's HTTP client refuses to read.
  if (method === 'HEAD' && query === 2) method = 'GET';
  return { method, path, headers, host: ipv6 && rng.chance(0.25) ? '::1' : '127.0.0.1' };
}

function send(agent: Agent, port: number, r: ReturnType<typeof ordinary>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: r.host, port, method: r.method, path: r.path, headers: r.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(r.method === 'POST' || r.method === 'PUT' ? 'field=value' : undefined);
  });
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}

/** Sends the traffic to a server on 127.0.0.1 (and [::1] when `ipv6`) `port`; resolves when every answer is in. */
export async function sendTraffic(port: number, ipv6: boolean, traffic: Traffic): Promise<Sent> {
  const rng = new Rng(traffic.seed);
  const agent = new Agent({ keepAlive: true, maxSockets: 6 });
  const sent: Sent = { statuses: new Map(), requests: 0, badAnswers: [] };
  try {
    for (let phase = 0; phase < traffic.phases; phase++) {
      const startedSecond = Math.floor(Date.now() / 1000);
      const tasks: (() => Promise<void>)[] = [];
      for (let i = 0; i < traffic.perPhase; i++) {
        const r = ordinary(rng, ipv6);
        tasks.push(async () => {
          // Once more on a connection error: a kept-alive connection the server closed as the agent reused it. (The
          // test counts what the log holds, so a request logged twice is still counted right.)
          const status = await send(agent, port, r).catch(() => send(agent, port, r));
          sent.statuses.set(status, (sent.statuses.get(status) ?? 0) + 1);
        });
      }
      if (traffic.withoutBadRequests !== true) {
        for (const [name, bytes] of BAD_REQUESTS) {
          const host = ipv6 && phase % 2 === 1 ? '::1' : '127.0.0.1';
          tasks.push(async () => void sent.badAnswers.push(`${name}: ${await sendRaw(host, port, bytes)}`));
        }
      }
      // Bad requests interleaved with the ordinary ones, not all at the end of the phase.
      for (let i = tasks.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [tasks[i], tasks[j]] = [tasks[j]!, tasks[i]!];
      }
      await pool(8, tasks);
      sent.requests += tasks.length;
      // The next phase starts in a later second than this one started in.
      const wait = (startedSecond + 1) * 1000 - Date.now();
      if (wait > 0 && phase < traffic.phases - 1) await sleep(wait + 20);
    }
  } finally {
    agent.destroy();
  }
  return sent;
}
