// What `logpulse run` says once it runs: where it reads, where it writes, where to look and how to stop it. On a
// terminal a few aligned lines for a person; otherwise the same facts as one structured log line (`running`).
import { styleText } from 'node:util';

import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import { colourWanted } from '../terminal.js';

export interface BannerFacts {
  version: string;
  /** The config file read, or "embedded default". */
  config: string;
  source: string;
  format: string;
  workers: number;
  output: string;
  checkpoint: string;
  /** The archive directory, or null when `archive.enabled` is false. */
  archive: string | null;
  api: string | null;
  dashboard: string | null;
  pid: number;
  stop: string;
  reload: string;
}

export function bannerFacts(version: string, configFile: string | null, config: Config, apiUrl: string | null): BannerFacts {
  const pid = process.pid;
  return {
    version,
    config: configFile ?? 'embedded default',
    source: config.source,
    format: config.format,
    workers: config.pipeline.workers,
    output: config.output.dir,
    checkpoint: config.checkpoint.dir,
    archive: config.archive.enabled ? config.archive.dir : null,
    api: apiUrl,
    dashboard: apiUrl === null ? null : `${apiUrl}/`,
    pid,
    stop: `Ctrl-C or kill ${pid} (SIGTERM): drains and checkpoints (twice: exits at once)`,
    reload: configFile === null ? 'no config file to reload' : `logpulse reload ${pid} (SIGHUP) re-reads ${configFile}`,
  };
}

/** The banner as a person reads it: a title, then one `name  value` line per fact. */
export function bannerText(f: BannerFacts, colour: boolean = colourWanted()): string {
  const bold = (s: string) => (colour ? styleText('bold', s) : s);
  const rows: [string, string][] = [
    ['config', f.config],
    ['source', `${f.source} (format ${f.format}, ${f.workers} worker${f.workers === 1 ? '' : 's'})`],
    ['output', f.output],
    ['checkpoint', f.checkpoint],
    ['archive', f.archive ?? 'off'],
    ['api', f.api ?? 'off'],
    ['dashboard', f.dashboard ?? 'off'],
    ['stop', f.stop],
    ['reload', f.reload],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  return `${bold(`logpulse ${f.version}`)} (pid ${f.pid})\n${rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`).join('\n')}\n`;
}

/** Says the banner: as text on a terminal, else as one log line with the same facts. */
export function showBanner(f: BannerFacts, tty: boolean, log: Logger, write: (text: string) => void): void {
  if (tty) write(bannerText(f, colourWanted() && process.stderr.isTTY === true));
  else log.info(f, 'running');
}
