// Checks that span keys or go beyond what JSON Schema says well (duration bounds, source URIs, alert rules, …);
// they run after the schema and tolerate values it already rejected.

import { type Checked, checkBrokerList, checkSourceUri } from '../sources/uri.js';
import { parseDuration } from './duration.js';
import { checkJsonInput } from './json-input.js';
import { formatPath, isPlainObject, problem, type Problems, type Seg } from './problems.js';
import { DEFAULT_CHUNK_BYTES, RATE_RULE_TYPES } from './schema.js';
import { MIN_MAX_MEMORY } from './schema-limits.js';
import type { Env } from './types.js';

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
  [['limits', 'idleTimeout'], 0, ''],
];

/** Open windows per shard a watermark may keep: each holds HyperLogLog sketches and URL counts. */
const MAX_WINDOWS_HELD = 1_000;

/**
 * Checks that span keys or go beyond what JSON Schema says well. Tolerates values the schema already rejected.
 * `env`: where `alerts.webhookSecretEnv` must name a variable that is set.
 */
export function crossChecks(data: Record<string, unknown>, out: Problems, env: Env = {}): void {
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

  // The source-URI grammar `run` and `gen` use: `validate` accepts exactly the URIs and broker lists `run` takes.
  checkText(data, ['source'], checkSourceUri, out);
  checkRules(get(data, ['alerts', 'rules']), out);

  const webhook = get(data, ['alerts', 'webhook']);
  if (typeof webhook === 'string' && !isHttpUrl(webhook)) {
    out.add(problem(['alerts', 'webhook'], 'must be an http:// or https:// URL'));
  }
  checkWebhookSecret(data, webhook, env, out);

  const delimiter = get(data, ['csv', 'delimiter']);
  if (typeof delimiter === 'string' && (delimiter.length !== 1 || delimiter.charCodeAt(0) > 127 || /[\r\n]/.test(delimiter))) {
    out.add(problem(['csv', 'delimiter'], 'must be exactly one ASCII character, not a newline'));
  }

  checkJsonInput(get(data, ['json']), out);

  checkText(data, ['kafka', 'brokers'], checkBrokerList, out);

  const idle = ms.get('limits.idleTimeout');
  if (idle !== undefined && idle > 0 && idle < 100) out.add(problem(['limits', 'idleTimeout'], 'must be 0 (never) or at least 100ms'));
  const buffered = get(data, ['limits', 'maxBufferedBytes']);
  const chunk = get(data, ['pipeline', 'chunkBytes']) ?? DEFAULT_CHUNK_BYTES;
  if (typeof buffered === 'number' && typeof chunk === 'number' && buffered < chunk) {
    out.add(problem(['limits', 'maxBufferedBytes'], 'must be at least pipeline.chunkBytes (a chunk is buffered whole before a worker parses it)'));
  }

  const maxMemory = get(data, ['limits', 'maxMemory']);
  if (typeof maxMemory === 'number' && maxMemory > 0 && maxMemory < MIN_MAX_MEMORY) {
    out.add(problem(['limits', 'maxMemory'], `must be 0 (derived from the cgroup's limit) or at least ${MIN_MAX_MEMORY} bytes (32 MiB)`));
  }

  const protocol = get(data, ['kafka', 'security', 'protocol']);
  if (get(data, ['kafka', 'security', 'caFile']) !== undefined && (protocol === 'PLAINTEXT' || protocol === 'SASL_PLAINTEXT')) {
    out.add(problem(['kafka', 'security', 'caFile'], 'is used only with kafka.security.protocol SSL or SASL_SSL'));
  }
}

/** The grammar's problem with the text at `segs`, if any; other types and '' are the schema's to report. */
function checkText(data: unknown, segs: Seg[], check: (text: string) => Checked<unknown>, out: Problems): void {
  const text = get(data, segs);
  if (typeof text !== 'string' || text === '') return;
  const r = check(text);
  if (!r.ok) out.add(problem(segs, r.problem));
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

/**
 * A secret named but missing would send unsigned alerts that a verifying receiver rejects (and so loses): a start
 * without it is refused. Neither the name nor the value is shown (no value from the file is).
 */
function checkWebhookSecret(data: unknown, webhook: unknown, env: Env, out: Problems): void {
  const name = get(data, ['alerts', 'webhookSecretEnv']);
  if (typeof name !== 'string') return;
  const at: Seg[] = ['alerts', 'webhookSecretEnv'];
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) out.add(problem(at, 'must be an environment variable name (letters, digits and _, not starting with a digit)'));
  else if (webhook === undefined) out.add(problem(at, 'is used only with alerts.webhook'));
  else if ((env[name] ?? '') === '') out.add(problem(at, 'names an environment variable that is not set (or is empty)'));
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
