// Checks that span keys or go beyond what JSON Schema says well (duration bounds, source URIs, alert rules, …);
// they run after the schema and tolerate values it already rejected.

import { parseDuration } from './duration.js';
import { formatPath, isPlainObject, problem, type Problems, type Seg } from './problems.js';
import { RATE_RULE_TYPES } from './schema.js';

/** Smallest value of each duration key, with the reason shown when it is below. */
const DURATION_KEYS: ReadonlyArray<[Seg[], number, string]> = [
  [['pipeline', 'window'], 1, 'must be greater than 0'],
  [['pipeline', 'watermark'], 0, ''],
  [['pipeline', 'idleTimeout'], 1, 'must be greater than 0'],
  [['pipeline', 'maxFutureSkew'], 0, ''],
  [['output', 'rotateEvery'], 100, 'must be at least 100ms (each rotation completes a file)'],
  [['output', 'resultsEvery'], 1_000, 'must be at least 1s'],
  [['console', 'every'], 100, 'must be at least 100ms'],
  [['shutdownTimeout'], 1, 'must be greater than 0'],
];

/** Open windows per shard a watermark may keep: each holds HyperLogLog sketches and URL counts. */
const MAX_WINDOWS_HELD = 1_000;

/** Checks that span keys or go beyond what JSON Schema says well. Tolerates values the schema already rejected. */
export function crossChecks(data: Record<string, unknown>, out: Problems): void {
  const ms = new Map<string, number>();
  for (const [segs, min, why] of DURATION_KEYS) {
    const v = get(data, segs);
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    const r = parseDuration(v);
    if (!r.ok) continue; // reported by the schema's format/type check
    if (r.ms < min) out.add(problem(segs, why));
    else ms.set(formatPath(segs), r.ms);
  }
  const window = ms.get('pipeline.window');
  const watermark = ms.get('pipeline.watermark');
  if (window !== undefined && watermark !== undefined && watermark > window * MAX_WINDOWS_HELD) {
    out.add(
      problem(
        ['pipeline', 'watermark'],
        `must be at most ${MAX_WINDOWS_HELD} windows (pipeline.window x ${MAX_WINDOWS_HELD}): a longer delay keeps that many windows open per worker`,
      ),
    );
  }

  checkSource(get(data, ['source']), out);
  checkRules(get(data, ['alerts', 'rules']), out);

  const webhook = get(data, ['alerts', 'webhook']);
  if (typeof webhook === 'string' && !isHttpUrl(webhook)) {
    out.add(problem(['alerts', 'webhook'], 'must be an http:// or https:// URL'));
  }

  const delimiter = get(data, ['csv', 'delimiter']);
  if (typeof delimiter === 'string' && (delimiter.length !== 1 || delimiter.charCodeAt(0) > 127 || /[\r\n]/.test(delimiter))) {
    out.add(problem(['csv', 'delimiter'], 'must be exactly one ASCII character, not a newline'));
  }

  const brokers = get(data, ['kafka', 'brokers']);
  if (typeof brokers === 'string' && brokers !== '' && !brokers.split(',').every((b) => isHostPort(b))) {
    out.add(problem(['kafka', 'brokers'], 'must be a comma-separated list of host:port'));
  }

  const protocol = get(data, ['kafka', 'security', 'protocol']);
  if (get(data, ['kafka', 'security', 'caFile']) !== undefined && (protocol === 'PLAINTEXT' || protocol === 'SASL_PLAINTEXT')) {
    out.add(problem(['kafka', 'security', 'caFile'], 'is used only with kafka.security.protocol SSL or SASL_SSL'));
  }
}

const SOURCE_FORMS =
  'must be one of generator:, stdin:, file:PATH, tcp://HOST:PORT, tcp-listen://HOST:PORT or kafka://BROKERS/TOPIC';

/** Only the shape of the URI; the sources check their own options when they are created. */
function checkSource(source: unknown, out: Problems): void {
  if (typeof source !== 'string' || source === '') return;
  const at: Seg[] = ['source'];
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(source)?.[1]?.toLowerCase();
  const rest = source.slice((scheme?.length ?? 0) + 1);
  switch (scheme) {
    case 'generator':
    case 'stdin':
      if (rest !== '' && !rest.startsWith('?')) out.add(problem(at, `${SOURCE_FORMS} (options go after "?")`));
      return;
    case 'file':
      if (rest.replace(/^\/\//, '').split('?')[0] === '') out.add(problem(at, 'file: needs a path (file:PATH)'));
      return;
    case 'tcp':
    case 'tcp-listen': {
      const m = /^\/\/([^/?#]+)\/?(\?.*)?$/.exec(rest);
      if (m === null || !isHostPort(m[1] as string, scheme === 'tcp-listen')) {
        out.add(problem(at, `${scheme}:// needs HOST:PORT with a port of ${scheme === 'tcp' ? '1' : '0'}-65535 (e.g. ${scheme}://127.0.0.1:9999)`));
      }
      return;
    }
    case 'kafka': {
      const m = /^\/\/([^/?#]+)\/([^/?#]+)(\?.*)?$/.exec(rest);
      if (m === null || !(m[1] as string).split(',').every((b) => isHostPort(b))) {
        out.add(problem(at, 'kafka:// needs BROKERS/TOPIC with BROKERS a comma-separated list of host:port (e.g. kafka://127.0.0.1:9092/http-logs)'));
      } else if (!/^[A-Za-z0-9._-]{1,249}$/.test(m[2] as string)) {
        out.add(problem(at, 'the Kafka topic may only contain letters, digits, ".", "_" and "-"'));
      }
      return;
    }
    default:
      out.add(problem(at, SOURCE_FORMS));
  }
}

function checkRules(rules: unknown, out: Problems): void {
  if (!Array.isArray(rules)) return;
  rules.forEach((rule: unknown, i) => {
    if (!isPlainObject(rule)) return;
    const at: Seg[] = ['alerts', 'rules', i];
    const { type, threshold, minRequests } = rule;
    if (type === 'errors_per_status') {
      if (typeof threshold === 'number' && !(Number.isInteger(threshold) && threshold >= 0)) {
        out.add(problem([...at, 'threshold'], 'must be a whole number >= 0 for errors_per_status (an error count)'));
      }
      if (minRequests !== undefined) {
        out.add(problem([...at, 'minRequests'], 'applies only to the rate rules (global_error_rate, url_error_rate, ip_error_rate)'));
      }
    } else if ((RATE_RULE_TYPES as readonly unknown[]).includes(type)) {
      if (threshold === undefined) {
        out.add(problem([...at, 'threshold'], `is required for ${String(type)} (a fraction between 0 and 1, e.g. 0.025 for 2.5 %)`));
      } else if (typeof threshold === 'number' && !(threshold >= 0 && threshold <= 1)) {
        out.add(problem([...at, 'threshold'], `must be a fraction between 0 and 1 for ${String(type)} (e.g. 0.025 for 2.5 %)`));
      }
    }
  });
}

function isHostPort(text: string, allowPortZero = false): boolean {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(text.trim());
  if (m === null) return false;
  const port = Number(m[2]);
  return port <= 65_535 && (port > 0 || allowPortZero);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

function get(data: unknown, segs: readonly Seg[]): unknown {
  let node = data;
  for (const s of segs) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<Seg, unknown>)[s];
  }
  return node;
}
