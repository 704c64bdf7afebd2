// The `logpulse` command line: one subcommand per file in this folder (main.ts runs it once the native module
// is known to load). Exit codes: 0 success, 2 invalid config or arguments, 1 runtime failure.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

import { BATCH_ENGINES, DEFAULT_MAX_URLS_PER_WINDOW } from '../config/schema.js';
import { LogpulseError } from '../errors.js';
import { redactText } from '../redact.js';
import { configureGenCommand } from './gen.js';
import { mergeCommand } from './merge.js';
import { reloadCommand } from './reload.js';
import { runCommand } from './run.js';
import { validateCommand } from './validate.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number >= 1');
  return n;
}

export const program = new Command()
  .name('logpulse')
  .description('Real-time HTTP access-log analytics daemon')
  // Handled by main.ts before parsing; declared here so --help lists it.
  .option('-V, --version', 'print the versions of logpulse, its native module (and build profile) and Node')
  .exitOverride()
  // Commander's own argument errors (an unknown flag, a missing value) carry the code every bad argument has.
  .configureOutput({ outputError: (text, write) => write(new LogpulseError('LP_ERR_ARGS', text.replace(/^error: /, '')).message) })
  .showHelpAfterError();

program
  .command('run')
  .description('run the daemon (no config: the embedded default, built-in generator, outputs under ./output)')
  .option('-c, --config <file>', 'config file (YAML or JSON)')
  .option('--source <uri>', 'source URI: generator:, stdin:, file:PATH[?follow=true], tcp://HOST:PORT, tcp-listen://HOST:PORT, kafka://BROKERS/TOPIC[?group=G]')
  .option('--format <format>', 'input format: json, csv, clf or auto')
  .option('--output <dir>', 'output directory (output.dir)')
  .option('--checkpoint <dir>', 'checkpoint directory (checkpoint.dir)')
  .option('--workers <n>', 'worker shards (pipeline.workers)', positiveInt)
  .option('--no-api', 'do not start the HTTP API')
  .option('--pid-file <file>', 'write the process id there while running (for logpulse reload --pid-file)')
  .option('--watch-config', 'reload the config file (-c) whenever its content changes, as SIGHUP does')
  .option('--reset-checkpoint', 'move the checkpoint aside (state.msgpack.reset-<time>) and start without its open windows and source positions')
  .action(
    async (o: {
      config?: string;
      source?: string;
      format?: string;
      output?: string;
      checkpoint?: string;
      workers?: number;
      api: boolean;
      pidFile?: string;
      watchConfig?: boolean;
      resetCheckpoint?: boolean;
    }) => {
      process.exitCode = await runCommand(
        { config: o.config, source: o.source, format: o.format, output: o.output, checkpoint: o.checkpoint, workers: o.workers, noApi: o.api === false },
        { pidFile: o.pidFile, watchConfig: o.watchConfig === true, resetCheckpoint: o.resetCheckpoint === true },
      );
    },
  );

program
  .command('reload')
  .description('ask a running daemon to reload its config file (sends SIGHUP; the daemon logs and counts the outcome)')
  .argument('[pid]', 'process id of the daemon')
  .option('--pid-file <file>', 'the pid file the daemon was started with (logpulse run --pid-file)')
  .option('-c, --config <file>', 'validate this config first; a bad one is reported here and the daemon is not signalled')
  .action(async (pid: string | undefined, o: { pidFile?: string; config?: string }) => {
    process.exitCode = await reloadCommand({ pid, pidFile: o.pidFile, config: o.config });
  });

configureGenCommand(program.command('gen'));

program
  .command('merge')
  .description('print the metrics rows of several Kafka-group daemons merged into one answer (from their output dirs\' partials/)')
  .argument('<dirs...>', 'output dirs of the daemons')
  .option('--max-urls <n>', 'error_urls kept per window (pipeline.maxUrlsPerWindow)', positiveInt, DEFAULT_MAX_URLS_PER_WINDOW)
  .action(async (dirs: string[], o: { maxUrls: number }) => {
    try {
      process.exitCode = await mergeCommand(dirs, o);
    } catch (err) {
      process.stderr.write(`logpulse merge: ${redactText((err as Error).message)}\n`);
      process.exitCode = 1;
    }
  });

program
  .command('batch')
  .description('recompute the batch views (ip/url/status/minute/user-agent stats, alert thresholds) from the Parquet archive, with DuckDB or Spark')
  .option('-c, --config <file>', 'config file (YAML or JSON): archive.dir, batch.dir, pipeline and alerts settings')
  .option('--since <iso>', 'only records at or after this time (2026-12-06 or 2026-12-06T10:00:00Z)')
  .option('--until <iso>', 'only records before this time')
  .addOption(new Option('--engine <engine>', 'what computes the views: duckdb (in process) or spark (spark-submit) (batch.engine)').choices(BATCH_ENGINES))
  .option('--master <url>', 'with --engine spark: the Spark master URL, e.g. local[2] or spark://host:7077 (batch.sparkMaster)')
  .action(async (o: { config?: string; since?: string; until?: string; engine?: (typeof BATCH_ENGINES)[number]; master?: string }) => {
    // DuckDB, fastify and the API's modules load for the commands that use them, not for every daemon.
    process.exitCode = await (await import('./batch.js')).batchCommand(o);
  });

program
  .command('api')
  .description('serve the HTTP API alone (health, readiness, process metrics, docs, the windows and alerts of output files, the dashboard) until SIGTERM/SIGINT')
  .option('-c, --config <file>', 'config file (YAML or JSON): the api and output sections')
  .option('--host <host>', 'address to listen on (api.host)')
  .option('--port <port>', 'port to listen on, 0 = a free one (api.port)')
  .option('--output <dir>', 'the output directory whose metrics/ and alerts/ files are served (output.dir)')
  .action(async (o: { config?: string; host?: string; port?: string; output?: string }) => {
    process.exitCode = await (await import('./api.js')).apiCommand(o);
  });

program
  .command('validate')
  .description('check a config file and print every problem with its key path (exit 0 or 2)')
  .requiredOption('-c, --config <file>', 'config file (YAML or JSON)')
  .action(async (o: { config: string }) => {
    process.exitCode = await validateCommand({ config: o.config });
  });

/** Parses `argv` and runs the command; resolves once it is done (process.exitCode holds its status). */
export async function runProgram(argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help exits 0; every other parse error is a bad argument.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
    } else {
      process.stderr.write(`logpulse: ${redactText((err as Error).stack ?? String(err))}\n`);
      process.exitCode = 1;
    }
  }
}
