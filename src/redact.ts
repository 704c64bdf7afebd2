// The one place that scrubs secrets from text leaving the process: every daemon log line (log.ts hooks pino's
// writes), every config problem line (`validate`, `run`, `reload`: problems.ts), every error the CLI prints and
// librdkafka's error texts (kafka/client-config.ts). Messages are written not to carry values in the first place;
// this catches what they cannot control — a library's error quoting a URL, a stack trace, a value a future message
// lets through.
//
// Two rules:
// 1. Shapes that are always credentials, whoever wrote them: the password of a URL (`scheme://user:password@`)
//    and the API's `access_token=` query parameter.
// 2. Every secret value this process knows, wherever it appears: the environment's KAFKA_PASSWORD and
//    LOGPULSE_API_TOKEN, and from each config loaded (start and reloads) `api.token`, the value of the variable
//    `alerts.webhookSecretEnv` names, and the `alerts.webhook` URL's password, path and query (a Slack-style
//    webhook URL's path is itself the credential). Values shorter than MIN_SECRET_LENGTH are not searched for:
//    scrubbing every "ab" would garble the log, and so short a value protects nothing anyway.
//
// KAFKA_USERNAME is not a secret (and a common word, e.g. "logpulse", would be scrubbed everywhere); log.ts still
// drops fields named like credentials by key.

/** The parts of a loaded config that hold secrets (a `Config` is one; declared here so this module imports nothing). */
export interface SecretKeys {
  api: { token: string | null };
  alerts: { webhook: string | null; webhookSecretEnv: string | null };
}
type Env = Readonly<Record<string, string | undefined>>;

export const REDACTED = '[redacted]';
export const MIN_SECRET_LENGTH = 4;

/** Environment variables whose value is always a secret. */
export const SECRET_ENV = ['KAFKA_PASSWORD', 'LOGPULSE_API_TOKEN'] as const;

const URL_PASSWORD = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#@:"'<>]*):[^\s/?#@"'<>]*@/g;
const ACCESS_TOKEN = /([?&]access_token=)[^&#\s"'<>]+/g;

const known = new Set<string>();
/** All known values as one alternation, longest first (so a secret containing another is scrubbed whole). */
let pattern: RegExp | null = null;

/** Adds values to scrub from now on (never removed: a reload's old token may still be in flight somewhere). */
export function rememberSecrets(values: Iterable<string | null | undefined>): void {
  let added = false;
  for (const value of values) {
    if (value === null || value === undefined || value.length < MIN_SECRET_LENGTH) continue;
    // Also as it appears inside a JSON string (a log line), when escaping changes it.
    for (const form of new Set([value, JSON.stringify(value).slice(1, -1)])) {
      if (!known.has(form)) {
        known.add(form);
        added = true;
      }
    }
  }
  if (added) {
    const sorted = [...known].sort((a, b) => b.length - a.length);
    pattern = new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  }
}

/** The secret values of a loaded config and of the environment it was loaded with (see the header). */
export function secretsOf(config: SecretKeys, env: Env): string[] {
  const out: string[] = SECRET_ENV.map((name) => env[name] ?? '');
  if (config.api.token !== null) out.push(config.api.token);
  const hmacVar = config.alerts.webhookSecretEnv;
  if (hmacVar !== null) out.push(env[hmacVar] ?? '');
  if (config.alerts.webhook !== null) out.push(...webhookSecrets(config.alerts.webhook));
  return out;
}

/** A webhook URL's password, path and query, as written and as the URL parser normalises them. */
function webhookSecrets(text: string): string[] {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [text];
  }
  const raw = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*([^#]*)/.exec(text)?.[1] ?? '';
  const path = `${url.pathname}${url.search}`;
  // A bare "/" is no secret; a path of its own is.
  return [url.password, decodeOr(url.password), raw, path === '/' ? '' : path];
}

function decodeOr(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `text` with every credential-shaped part and every known secret value replaced by REDACTED. */
export function redactText(text: string): string {
  let out = text;
  if (out.includes('://')) out = out.replace(URL_PASSWORD, `$1:${REDACTED}@`);
  if (out.includes('access_token=')) out = out.replace(ACCESS_TOKEN, `$1${REDACTED}`);
  if (pattern !== null) out = out.replace(pattern, REDACTED);
  return out;
}

// The environment's own secrets are known from the start, before any config is loaded.
rememberSecrets(SECRET_ENV.map((name) => process.env[name]));
