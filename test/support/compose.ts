// What `docker compose` does to docker-compose.yml and an override before it starts anything, for tests that cannot
// run it (no Docker engine here): ${VAR} interpolation from an env file, merging `-f a -f b`, and how the apache/kafka
// image turns its KAFKA_* environment into broker properties. Only the parts of those rules the repo's files use,
// each after its specification (Compose: 12-interpolation.md, 13-merge.md; apache/kafka: docker/resources/utility).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parse } from 'yaml';

import { ROOT } from './paths.js';

export type Env = Record<string, string | undefined>;
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** `KEY=value` lines of an env file (comments and blank lines skipped; surrounding quotes removed). */
export function readEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m !== null && !line.trim().startsWith('#')) out[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  }
  return out;
}

/** The names of every variable `text` interpolates, with the form used (`:-`, `-`, `:?`, `?` or '' for plain). */
export function variablesOf(text: string): { name: string; form: string }[] {
  const found: { name: string; form: string }[] = [];
  for (const m of text.replaceAll('$$', '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?])?[^}]*\}|\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
    found.push({ name: (m[1] ?? m[3])!, form: m[2] ?? '' });
  }
  return found;
}

/** Compose interpolation of one string: `$$` → `$`; `${V}`, `${V:-d}`, `${V-d}`, `${V:?e}`, `${V?e}`, `$V`. */
export function interpolateString(text: string, env: Env): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
    if (all === '$$') return '$';
    const key = (name ?? bare)!;
    const value = env[key];
    const missing = value === undefined || (colon === ':' && value === '');
    if (op === '-') return missing ? arg! : value!;
    if (op === '?') {
      if (missing) throw new Error(`required variable ${key} is missing a value: ${arg}`);
      return value!;
    }
    return value ?? '';
  });
}

/** Every string in `node` interpolated (keys too, as Compose does). */
export function interpolate(node: Json, env: Env): Json {
  if (typeof node === 'string') return interpolateString(node, env);
  if (Array.isArray(node)) return node.map((v) => interpolate(v, env));
  if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [interpolateString(k, env), interpolate(v, env)]));
  return node;
}

/** The mount target of a short-syntax volume `src:target[:mode]`. */
const volumeTarget = (v: Json): string => (typeof v === 'string' ? v.split(':')[1]! : String((v as { target: string }).target));

/**
 * `b` merged over `a` as `docker compose -f a -f b` does for what the repo uses: mappings merge key by key; `command`,
 * `entrypoint` and `healthcheck.test` are replaced; `volumes` merge by mount target; `ports` are concatenated.
 */
export function mergeCompose(a: Json, b: Json, path: string[] = []): Json {
  if (Array.isArray(a) && Array.isArray(b)) {
    const key = path.at(-1);
    if (key === 'volumes' && path.length === 3) {
      const byTarget = new Map<string, Json>(a.map((v) => [volumeTarget(v), v]));
      for (const v of b) byTarget.set(volumeTarget(v), v);
      return [...byTarget.values()];
    }
    if (key === 'ports') return [...a, ...b];
    return b;
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: { [k: string]: Json } = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in a ? mergeCompose(a[k]!, v, [...path, k]) : v;
    return out;
  }
  return b;
}

export interface Service {
  image?: string;
  build?: Json;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean; interval?: string; timeout?: string; retries?: number; start_period?: string };
  stop_grace_period?: string;
  restart?: string;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, Service>;
  volumes?: Record<string, Json>;
}

/** The repo's compose `files` (relative to the root), parsed, interpolated from `env` and merged in order. */
export function loadCompose(files: string[], env: Env): ComposeFile {
  const docs = files.map((f) => interpolate(parse(readFileSync(join(ROOT, f), 'utf8')) as Json, env));
  return docs.reduce((a, b) => mergeCompose(a, b)) as unknown as ComposeFile;
}

/** apache/kafka's env → property name: KAFKA_ prefix dropped, `_` → `.`, `__` → `_`, `___` → `-`, lower case. */
export function kafkaPropertyName(envName: string): string {
  const key = envName.slice('KAFKA_'.length);
  // The image's utility replaces the matches of [^_]_[^_] left to right, so a one-letter segment between two single
  // underscores keeps one of them; no name here has one.
  const single = key.replace(/[^_]_[^_]/g, (s) => s.replace('_', '.'));
  return single.replaceAll('___', '-').replaceAll('__', '_').toLowerCase();
}

/** Environment variables the image never turns into properties (its kafka-propertiesSpec.json "excludes"). */
export const KAFKA_ENV_EXCLUDED = ['KAFKA_VERSION', 'KAFKA_HEAP_OPT', 'KAFKA_LOG4J_OPTS', 'KAFKA_OPTS', 'KAFKA_JMX_OPTS', 'KAFKA_JVM_PERFORMANCE_OPTS', 'KAFKA_GC_LOG_OPTS', 'KAFKA_LOG4J_ROOT_LOGLEVEL', 'KAFKA_LOG4J_LOGGERS', 'KAFKA_TOOLS_LOG4J_LOGLEVEL'];

/**
 * The broker properties the apache/kafka image writes from a service's environment, as its `configure` script does:
 * every KAFKA_* variable (but the excluded ones) as a property — except a value holding '=', which its env reader
 * drops — and, with an SSL listener advertised, the keystore location and passwords from the files its
 * KAFKA_SSL_*_FILENAME / _CREDENTIALS variables name under `secrets` (/etc/kafka/secrets in the container).
 */
export function kafkaProperties(env: Record<string, string | number>, secrets: string): Record<string, string> {
  const props: Record<string, string> = {};
  const e = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
  if (e.KAFKA_ADVERTISED_LISTENERS?.includes('SSL://')) {
    e.KAFKA_SSL_KEYSTORE_LOCATION = join(secrets, e.KAFKA_SSL_KEYSTORE_FILENAME ?? '');
    e.KAFKA_SSL_KEY_PASSWORD = readFileSync(join(secrets, e.KAFKA_SSL_KEY_CREDENTIALS ?? ''), 'utf8');
    e.KAFKA_SSL_KEYSTORE_PASSWORD = readFileSync(join(secrets, e.KAFKA_SSL_KEYSTORE_CREDENTIALS ?? ''), 'utf8');
  }
  for (const [k, v] of Object.entries(e)) {
    if (!k.startsWith('KAFKA_') || KAFKA_ENV_EXCLUDED.includes(k) || v.includes('=')) continue;
    props[kafkaPropertyName(k)] = v;
  }
  return props;
}
