// Alert rules of SPEC §5, evaluated per window; each fires at most once per (rule, window, group).
// errors_per_status can fire early: its running count is summed over all shards as their counts arrive, so
// N shards fire exactly when one would.
import type { AlertRule, RateRuleType } from '../config/types.js';
import type { StatusCount, WindowSummary } from '../native.js';
import type { Alert } from './output-port.js';


const isoMs = (us: number): string => new Date(Math.floor(us / 1000)).toISOString();

/** The merger options that make it report the groups over the URL and IP rate rules. */
export function rateRuleOptions(rules: readonly AlertRule[]): { urlErrorRate?: { threshold: number; minRequests: number }; ipErrorRate?: { threshold: number; minRequests: number } } {
  const pick = (type: RateRuleType) => {
    const r = rules.find((x) => x.type === type);
    return r && r.type !== 'errors_per_status' ? { threshold: r.threshold, minRequests: r.minRequests } : undefined;
  };
  const url = pick('url_error_rate');
  const ip = pick('ip_error_rate');
  return { ...(url ? { urlErrorRate: url } : {}), ...(ip ? { ipErrorRate: ip } : {}) };
}

/** What the engine knows of windows still open: running counts per shard, and what already fired. */
export interface AlertState {
  running: [string, number[]][];
  fired: string[];
}

export class AlertEngine {
  #rules: AlertRule[];
  #early: boolean;
  readonly #windowUs: number;
  /** `${windowStartUs}|${status}` → running count per shard. */
  readonly #running = new Map<string, number[]>();
  readonly #fired = new Set<string>();
  readonly #onRateRules: (rates: ReturnType<typeof rateRuleOptions>) => void;

  /** `onRateRules`: told the rate rules' options whenever the rules or thresholds change (the merger judges those). */
  constructor(rules: AlertRule[], early: boolean, windowUs: number, onRateRules?: (rates: ReturnType<typeof rateRuleOptions>) => void) {
    this.#rules = rules;
    this.#early = early;
    this.#windowUs = windowUs;
    this.#onRateRules = onRateRules ?? (() => {});
  }

  get rules(): readonly AlertRule[] {
    return this.#rules;
  }

  /** New thresholds, one per rule in configured order (the batch layer's); windows still open are judged by them. */
  setThresholds(thresholds: readonly number[]): void {
    this.#rules = this.#rules.map((r, i) => ({ ...r, threshold: thresholds[i] ?? r.threshold }));
    this.#onRateRules(rateRuleOptions(this.#rules));
  }

  /** New rules (a reload): windows still open are judged by them; what already fired does not fire again. */
  setRules(rules: AlertRule[], early: boolean): void {
    this.#rules = rules;
    this.#early = early;
    this.#onRateRules(rateRuleOptions(rules));
  }

  /** Entries kept for windows still open (each window's go when it is drained): running counts, fired keys. */
  get tracked(): { alertCounts: number; alertsFired: number } {
    return { alertCounts: this.#running.size, alertsFired: this.#fired.size };
  }

  state(): AlertState {
    return { running: [...this.#running].map(([k, v]) => [k, [...v]]), fired: [...this.#fired] };
  }

  /**
   * Takes over the state of the engine this one replaces (a reload's rebuild). `extraShard`: null when the same
   * shards hold the same open windows; otherwise the old shards' windows went to the merger and the new shards
   * count from zero, so each running count's old total is kept as one more shard's, at that index. None (a
   * checkpoint written before alerts were saved): nothing to take over.
   */
  adopt(state: AlertState | undefined, extraShard: number | null): void {
    if (state === undefined) return;
    for (const [key, perShard] of state.running) {
      if (extraShard === null) this.#running.set(key, [...perShard]);
      else this.#running.set(key, Object.assign([], { [extraShard]: perShard.reduce((a, b) => a + (b ?? 0), 0) }));
    }
    for (const key of state.fired) this.#fired.add(key);
  }

  onStatusCounts(shard: number, counts: StatusCount[]): Alert[] {
    const statusRules = this.#rules.filter((r) => r.type === 'errors_per_status');
    if (!this.#early || statusRules.length === 0 || counts.length === 0) return [];
    const out: Alert[] = [];
    for (const c of counts) {
      const key = `${c.windowStartUs}|${c.status}`;
      let perShard = this.#running.get(key);
      if (!perShard) this.#running.set(key, (perShard = []));
      perShard[shard] = c.count;
      const total = perShard.reduce((a, b) => a + (b ?? 0), 0);
      for (const rule of statusRules) {
        const alert = this.#check(rule, c.windowStartUs, c.windowStartUs + this.#windowUs, String(c.status), total, true);
        if (alert) out.push(alert);
      }
    }
    return out;
  }

  /** A shard's running counts no longer count (cluster mode: a session left behind by a restart). */
  forgetShard(shard: number): void {
    for (const perShard of this.#running.values()) delete perShard[shard];
  }

  onClosedWindows(windows: WindowSummary[]): Alert[] {
    const out: Alert[] = [];
    for (const w of windows) {
      for (const rule of this.#rules) {
        if (rule.type === 'errors_per_status') {
          for (const s of w.statuses) {
            const a = this.#check(rule, w.windowStartUs, w.windowEndUs, String(s.status), s.errorCount, false);
            if (a) out.push(a);
          }
        } else if (rule.type === 'global_error_rate') {
          if (w.requests >= rule.minRequests) {
            const a = this.#check(rule, w.windowStartUs, w.windowEndUs, 'all', w.errors / w.requests, false, w.requests, w.errors);
            if (a) out.push(a);
          }
        } else {
          // The merger already kept only the groups over this rule (it holds the per-group counts).
          for (const g of rule.type === 'url_error_rate' ? w.urlRates : w.ipRates) {
            const a = this.#check(rule, w.windowStartUs, w.windowEndUs, g.group, g.errors / g.requests, false, g.requests, g.errors);
            if (a) out.push(a);
          }
        }
      }
      this.#forget(w.windowStartUs);
    }
    return out;
  }

  #check(rule: AlertRule, startUs: number, endUs: number, group: string, value: number, early: boolean, requests?: number, errors?: number): Alert | null {
    if (!(value > rule.threshold)) return null;
    const key = `${rule.type}|${startUs}|${group}`;
    if (this.#fired.has(key)) return null;
    this.#fired.add(key);
    const shown = rule.type === 'errors_per_status' ? String(value) : `${(value * 100).toFixed(2)}%`;
    const limit = rule.type === 'errors_per_status' ? String(rule.threshold) : `${(rule.threshold * 100).toFixed(2)}%`;
    const what = rule.type === 'errors_per_status' ? `status ${group}: ${shown} errors` : `${group}: error rate ${shown}`;
    return {
      type: rule.type.toUpperCase(),
      rule: rule.type,
      window_start: isoMs(startUs),
      window_end: isoMs(endUs),
      group,
      value,
      threshold: rule.threshold,
      message: `${what} > ${limit} in window ${isoMs(startUs)}${early ? ' (early)' : ''}${requests !== undefined ? ` (${errors}/${requests} requests)` : ''}`,
      emitted_at: new Date().toISOString(),
    };
  }

  /** A drained window never comes back, so its bookkeeping can go. */
  #forget(windowStartUs: number): void {
    const prefix = `${windowStartUs}|`;
    for (const key of this.#running.keys()) if (key.startsWith(prefix)) this.#running.delete(key);
    for (const key of this.#fired) if (key.includes(`|${windowStartUs}|`)) this.#fired.delete(key);
  }
}
