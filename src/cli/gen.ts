// `logpulse gen` (SPEC §6): the seeds' genlogs_v2.py with the same flags and defaults, plus simulated time,
// late and bad lines, an error profile and network outputs. Lines go to stdout unless --out says otherwise;
// everything else (status, errors, --stats) goes to stderr so a pipe only ever carries log lines.
import type { Command } from 'commander';

import { loadConfig } from '../config/load.js';
import { formatProblem } from '../config/problems.js';
import { installSignals } from '../daemon/shutdown.js';
import { hasCode, LogpulseError } from '../errors.js';
import { wallClockUs } from '../gen/clock.js';
import { generate } from '../gen/generate.js';
import { GEN_DEFAULTS, type GenOptions, type RawGenOptions, resolveGenOptions } from '../gen/options.js';
import type { Output } from '../gen/output.js';
import { openOutput } from '../gen/outputs.js';
import { PLAINTEXT } from '../kafka/client-config.js';
import { redactText } from '../redact.js';
import { GenProgress } from './gen-progress.js';

const say = (message: string): void => {
  process.stderr.write(`logpulse gen: ${redactText(message)}\n`);
};

/** Adds the options and action to `cmd` (created by `program.command('gen')`, so it inherits exit handling). */
export function configureGenCommand(cmd: Command): Command {
  const d = GEN_DEFAULTS;
  return cmd
    .description("generate access-log lines: genlogs_v2.py's flags and defaults, simulated time, late and bad lines, network outputs")
    .option('--urls <n>', `distinct URLs, /resource/1 … /resource/N (default ${d.urls})`)
    .option('--rate <r>', `lines per second; 0 = as fast as possible (default ${d.rate})`)
    .option('--format <f>', `json, csv or clf (default ${d.format})`)
    .option('--compact', 'JSON without spaces: {"timestamp":"…","ip":…} (default: json.dumps spacing)')
    .option('--clf-variant <v>', `clf: common (IP - - [time]), single (IP - [time]) or mixed (default ${d.clfVariant})`)
    .option('--methods <m...>', `HTTP methods to pick from (default ${d.methods.join(' ')})`)
    .option('--status-dist <w...>', `weights of 200, 404 and 500 (default ${d.statusDist.join(' ')})`)
    .option('--count <n>', 'lines to write, then exit 0 (default: until stopped)')
    .option('--seed <s>', 'integer seed: same seed and options, same lines (byte-identical with --start)')
    .option('--start <iso>', 'simulated time: event time of the first line, e.g. 2025-06-09T09:42:40Z (default: live wall clock)')
    .option('--speed <x>', `simulated time with --rate > 0: event time runs X times wall time (default ${d.speed})`)
    .option('--step <ms>', `simulated time with --rate 0: event time advances this many ms per line (default ${d.stepMs})`)
    .option('--late-fraction <f>', 'fraction of lines that are late records, --late-by behind the newest (default 0)')
    .option('--late-by <s>', `seconds a late record is behind; late for the daemon when >= window + watermark (default ${d.lateBySeconds})`)
    .option('--malformed-fraction <f>', 'fraction of bad lines, one kind per rejection reason (see README) (default 0)')
    .option('--users <n>', `distinct client IPs; 0 = four random octets per line (default ${d.users})`)
    .option('--error-user-percent <p>', 'share of client IPs that are error users (default 0)')
    .option('--error-rate <r>', `% of error users' requests (and of requests to error URLs) that fail (default ${d.errorRate})`)
    .option('--error-url-percent <p>', 'share of URLs that are error URLs (default 0)')
    .option('--out <target>', 'stdout, tcp-listen://HOST:PORT (serve every client), tcp://HOST:PORT (connect) or kafka://BROKERS/TOPIC (default stdout)')
    .option('-c, --config <file>', "with --out kafka://: the config's kafka.security (SASL_SSL, CA file); credentials from KAFKA_USERNAME / KAFKA_PASSWORD")
    .option('--stats', 'at exit, print a JSON summary of what was written (lines, late, bad lines per kind) to stderr')
    .action(async (raw: RawGenOptions) => {
      process.exitCode = await genCommand(raw);
    });
}

export async function genCommand(raw: RawGenOptions): Promise<number> {
  let options: GenOptions;
  try {
    options = resolveGenOptions(raw, wallClockUs());
  } catch (err) {
    if (err instanceof LogpulseError) {
      say(err.message);
      return err.exitCode;
    }
    throw err;
  }

  let security = PLAINTEXT;
  if (raw.config !== undefined) {
    const loaded = loadConfig(raw.config);
    if (!loaded.ok) {
      for (const p of loaded.problems) say(formatProblem(p));
      return 2;
    }
    security = loaded.config.kafka.security;
  }

  let output: Output;
  try {
    output = await openOutput(options.out, say, security);
  } catch (err) {
    const failed = hasCode(err, 'LP_ERR_KAFKA_CONFIG') ? err : outputError(`cannot open --out ${raw.out ?? 'stdout'}`, err);
    say(failed.message);
    return failed.exitCode;
  }

  // A second signal exits at once, without waiting for readers.
  const stop = new AbortController();
  const uninstall = installSignals({ stop: (signal) => stop.abort(signal) });
  const progress = GenProgress.for(options.count, options.out.kind === 'stdout', say);
  try {
    const stats = await generate(options, output, stop.signal, progress?.written);
    progress?.finish();
    await output.close();
    if (options.stats) process.stderr.write(`${JSON.stringify({ seed: options.seed, ...stats })}\n`);
  } finally {
    uninstall();
  }
  if (output.failure !== null) {
    const failed = outputError(`writing to ${raw.out ?? 'stdout'} failed`, output.failure);
    say(failed.message);
    return failed.exitCode;
  }
  return 0;
}

/** LP_ERR_GEN_OUTPUT, naming the errno code when there is one (`EADDRINUSE`), else the message. */
function outputError(what: string, err: unknown): LogpulseError {
  const e = err as NodeJS.ErrnoException;
  return new LogpulseError('LP_ERR_GEN_OUTPUT', `${what}: ${e.code ?? e.message}`, { cause: err });
}
