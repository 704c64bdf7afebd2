// `alerts.thresholdsFrom: batch`: the daemon takes each alert rule's threshold from the latest `thresholds` view
// that `logpulse batch` wrote (the value only 1 % of past windows exceeded), and picks up a newer batch without a
// restart. A rule the view has too little history for keeps its configured threshold, and the log says so.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { AlertRule } from '../config/types.js';
import type { Logger } from '../log.js';

/** One row of the `thresholds` view (CSV columns of the same names). */
export interface LearnedThreshold {
  rule: number;
  type: string;
  threshold: number | null;
  windows: number;
}

/** Parses the view's CSV (header row; numbers; an empty field is null). */
export function parseThresholdsCsv(text: string): LearnedThreshold[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines.shift() ?? '').split(',').map((h) => h.replace(/^"|"$/g, ''));
  const col = (name: string) => header.indexOf(name);
  const [iRule, iType, iThreshold, iWindows] = [col('rule'), col('type'), col('threshold'), col('windows')];
  if (iRule < 0 || iThreshold < 0 || iWindows < 0) throw new Error(`not a thresholds view (header: ${header.join(',')})`);
  return lines.map((line) => {
    const f = line.split(',').map((v) => v.replace(/^"|"$/g, ''));
    const num = (i: number) => (f[i] === undefined || f[i] === '' ? null : Number(f[i]));
    return { rule: num(iRule) ?? -1, type: iType >= 0 ? (f[iType] ?? '') : '', threshold: num(iThreshold), windows: num(iWindows) ?? 0 };
  });
}

/**
 * The thresholds to use, one per configured rule: the learned one when its row matches the rule and is based on
 * at least `minWindows` values, the configured one otherwise (with the reason).
 */
export function chooseThresholds(rules: readonly AlertRule[], learned: LearnedThreshold[], minWindows: number): { thresholds: number[]; notes: string[] } {
  const notes: string[] = [];
  const thresholds = rules.map((rule, i) => {
    const row = learned.find((l) => l.rule === i);
    if (!row || (row.type !== '' && row.type !== rule.type)) {
      notes.push(`rule ${i} (${rule.type}): not in the thresholds view; keeps ${rule.threshold}`);
      return rule.threshold;
    }
    if (row.threshold === null || !Number.isFinite(row.threshold) || row.windows < minWindows) {
      notes.push(`rule ${i} (${rule.type}): ${row.windows} windows of history, fewer than ${minWindows}; keeps ${rule.threshold}`);
      return rule.threshold;
    }
    return row.threshold;
  });
  return { thresholds, notes };
}

export interface BatchThresholdsOptions {
  batchDir: string;
  rules: readonly AlertRule[];
  minWindows: number;
  /** How often the batch directory is checked for a new batch. */
  everyMs: number;
  apply: (thresholds: number[]) => void;
  log: Logger;
}

/** Watches `<batch.dir>/manifest.json`; on a new batch, reads its thresholds view and applies it. */
export class BatchThresholds {
  readonly #o: BatchThresholdsOptions;
  #timer: NodeJS.Timeout | null = null;
  #seen = '';
  #checking: Promise<void> = Promise.resolve();

  constructor(options: BatchThresholdsOptions) {
    this.#o = options;
  }

  /** Reads the current batch now (so the first windows already use it), then keeps watching. */
  async start(): Promise<void> {
    await this.check();
    this.#timer = setInterval(() => void this.check(), this.#o.everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  check(): Promise<void> {
    this.#checking = this.#checking.then(() => this.#check());
    return this.#checking;
  }

  async #check(): Promise<void> {
    const { batchDir, log } = this.#o;
    const manifest = join(batchDir, 'manifest.json');
    // The manifest is small and replaced whole at the end of a batch: its text is the batch's version.
    let version: string;
    try {
      version = await readFile(manifest, 'utf8');
    } catch {
      if (this.#seen === '') log.warn({ manifest }, 'alerts.thresholdsFrom is batch but no batch has run yet; configured thresholds apply');
      this.#seen = 'none';
      return;
    }
    if (version === this.#seen) return;
    this.#seen = version;
    try {
      const { batchId } = JSON.parse(version) as { batchId?: string };
      const csv = await readFile(join(batchDir, 'thresholds', 'thresholds.csv'), 'utf8');
      const { thresholds, notes } = chooseThresholds(this.#o.rules, parseThresholdsCsv(csv), this.#o.minWindows);
      for (const note of notes) log.info({ batchId }, note);
      this.#o.apply(thresholds);
      log.info({ batchId, thresholds: this.#o.rules.map((r, i) => ({ rule: i, type: r.type, threshold: thresholds[i] })) }, 'alert thresholds taken from the batch layer');
    } catch (err) {
      log.warn({ err: (err as Error).message, dir: batchDir }, 'thresholds view unreadable; thresholds unchanged');
    }
  }
}
