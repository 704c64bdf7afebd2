// A Dockerfile read into stages and instructions: what scripts/docker-replay executes and test/deploy/ checks.
// Covers the syntax the repo's Dockerfile uses — parser directives, comments (also between continued lines), `\`
// continuations, `--flag=value` options, JSON-array (exec) forms, ARG defaults substituted in FROM — and throws on
// anything else (heredocs, a FROM naming an unknown ARG), so a new construct is noticed instead of misread.

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, … */
  keyword: string;
  /** `--name=value` options before the arguments (`--from=build`, `--mount=…`); a bare `--flag` is 'true'. */
  flags: Record<string, string>;
  /** The arguments as written after the options, continuations joined with a space. */
  text: string;
  /** The exec form's array when the arguments are one (`CMD ["run", "-c", …]`), else null. */
  json: string[] | null;
  /** 1-based line of the keyword. */
  line: number;
}

export interface Stage {
  /** `AS name`, else the stage's index as text. */
  name: string;
  /** The image, ARG defaults substituted. */
  from: string;
  /** Every instruction after FROM, in order. */
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  args: Record<string, string>;
  stages: Stage[];
}

/** Parses `text`; throws naming the line on what it does not understand. */
export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split('\n');
  const instructions: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!.trim();
    if (first === '' || first.startsWith('#')) continue;
    const start = i + 1;
    let joined = lines[i]!.replace(/\s+$/, '');
    while (joined.endsWith('\\')) {
      joined = joined.slice(0, -1).replace(/\s+$/, '');
      i++;
      if (i >= lines.length) throw new Error(`Dockerfile line ${start}: a continuation runs past the end of the file`);
      const next = lines[i]!.trim();
      if (next.startsWith('#')) {
        joined += '\\';
        continue;
      }
      joined += ` ${lines[i]!.replace(/\s+$/, '').replace(/^\s+/, '')}`;
    }
    instructions.push(readInstruction(joined.trim(), start));
  }

  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instr of instructions) {
    if (instr.keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instr.text);
      if (m === null) throw new Error(`Dockerfile line ${instr.line}: FROM ${instr.text} is not "FROM image [AS name]"`);
      const from = m[1]!.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, a: string | undefined, b: string | undefined) => {
        const name = (a ?? b)!;
        if (!(name in args)) throw new Error(`Dockerfile line ${instr.line}: FROM uses ARG ${name}, which no ARG before the first FROM declares`);
        return args[name]!;
      });
      stages.push({ name: m[2] ?? String(stages.length), from, instructions: [] });
    } else if (stages.length === 0) {
      if (instr.keyword !== 'ARG') throw new Error(`Dockerfile line ${instr.line}: ${instr.keyword} before the first FROM`);
      const [name, value = ''] = instr.text.split('=', 2) as [string, string?];
      args[name.trim()] = value.trim().replace(/^"(.*)"$/, '$1');
    } else {
      stages.at(-1)!.instructions.push(instr);
    }
  }
  return { args, stages };
}

function readInstruction(source: string, line: number): Instruction {
  const m = /^([A-Za-z]+)\s*(.*)$/s.exec(source);
  if (m === null) throw new Error(`Dockerfile line ${line}: cannot read "${source.slice(0, 40)}"`);
  const keyword = m[1]!.toUpperCase();
  let rest = m[2]!;
  if (/<<-?\s*["']?[A-Za-z]/.test(rest) && ['RUN', 'COPY', 'ADD'].includes(keyword)) {
    throw new Error(`Dockerfile line ${line}: heredocs are not supported by scripts/dockerfile.ts`);
  }
  const flags: Record<string, string> = {};
  // HEALTHCHECK's own options come before CMD; RUN/COPY/ADD/FROM take --options too.
  for (;;) {
    const f = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest);
    if (f === null) break;
    flags[f[1]!] = f[2] ?? 'true';
    rest = rest.slice(f[0].length);
  }
  const text = rest.trim();
  let json: string[] | null = null;
  const body = keyword === 'HEALTHCHECK' ? text.replace(/^CMD\s+/, '') : text;
  if (body.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) json = parsed as string[];
    } catch {
      // Shell form that merely starts with '['.
    }
  }
  return { keyword, flags, text, json, line };
}

/** The stage called `name`; throws if there is none. */
export function stage(file: Dockerfile, name: string): Stage {
  const s = file.stages.find((st) => st.name === name);
  if (s === undefined) throw new Error(`the Dockerfile has no stage named ${name} (stages: ${file.stages.map((st) => st.name).join(', ')})`);
  return s;
}

/** `KEY=value` pairs of an ENV instruction (quoted values unquoted; the legacy `ENV KEY value` form too). */
export function envPairs(instr: Instruction): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)/g;
  if (!instr.text.includes('=')) {
    const [k, ...v] = instr.text.split(/\s+/);
    out[k!] = v.join(' ');
    return out;
  }
  for (const m of instr.text.matchAll(re)) out[m[1]!] = m[2]!.replace(/^"(.*)"$/s, '$1');
  return out;
}

/** A COPY's sources and destination (shell form; paths have no spaces in this repo). */
export function copyPaths(instr: Instruction): { sources: string[]; dest: string } {
  const parts = instr.json ?? instr.text.split(/\s+/);
  if (parts.length < 2) throw new Error(`Dockerfile line ${instr.line}: COPY needs a source and a destination`);
  return { sources: parts.slice(0, -1), dest: parts.at(-1)! };
}

/** `--mount=type=bind,source=a,target=b` → { type: 'bind', source: 'a', target: 'b' }. */
export function mountOptions(flag: string): Record<string, string> {
  return Object.fromEntries(flag.split(',').map((kv) => kv.split('=', 2) as [string, string]));
}
