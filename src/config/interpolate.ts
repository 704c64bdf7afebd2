// ${ENV} interpolation: the first stage after parsing, run on every string value of the file.

import { isPlainObject, problem, RANK, type Problems, type Seg } from './problems.js';
import type { Env } from './types.js';

const PLACEHOLDER = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Replaces `${VAR}` and `${VAR:-default}` (default when unset or empty, as in sh) in every string value, in place.
 * `$${` writes a literal `${`. Keys are not interpolated. Returns the paths whose value was one whole placeholder.
 */
export function interpolate(node: unknown, segs: Seg[], env: Env, out: Problems): Seg[][] {
  const whole: Seg[][] = [];
  const visit = (value: unknown, at: Seg[], set: (v: unknown) => void): void => {
    if (typeof value === 'string') {
      if (!value.includes('${')) return;
      const r = interpolateString(value, env);
      if (r.problem !== undefined) out.add(problem(at, r.problem, RANK.interpolation));
      else set(r.value);
      if (r.whole) whole.push(at);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, [...at, i], (nv) => (value[i] = nv)));
    } else if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) visit(v, [...at, k], (nv) => (value[k] = nv));
    }
  };
  visit(node, segs, () => undefined);
  return whole;
}

function interpolateString(
  text: string,
  env: Env,
): { value: string; whole: boolean; problem?: string } {
  let problemText: string | undefined;
  let placeholders = 0;
  const value = text.replace(PLACEHOLDER, (match: string, body: string | undefined) => {
    if (match === '$${') return '${';
    placeholders += 1;
    if (body === undefined) {
      problemText ??= 'has an unterminated placeholder: use ${NAME} or ${NAME:-default}';
      return match;
    }
    const sep = body.indexOf(':-');
    const name = sep === -1 ? body : body.slice(0, sep);
    if (!NAME_RE.test(name)) {
      problemText ??= 'has an invalid placeholder: use ${NAME} or ${NAME:-default}, NAME made of letters, digits and _';
      return match;
    }
    const set = env[name];
    if (sep !== -1) return set === undefined || set === '' ? body.slice(sep + 2) : set;
    if (set === undefined) {
      problemText ??= `environment variable ${name} is not set (give a default with \${${name}:-value})`;
      return match;
    }
    return set;
  });
  const whole = placeholders === 1 && /^\$\{[^}]*\}$/.test(text);
  return problemText === undefined ? { value, whole } : { value: text, whole, problem: problemText };
}
