// Who requests what and which requests fail: genlogs_v2.py's status weights, plus the seed assignment's error
// profile (seed 001: `--error-user-percent 10 --error-rate 50 --error-url-percent 20`), so the url/ip error-rate
// alert rules have something to find.
import type { LineOptions } from './options.js';
import { type Rng, threshold } from './rng.js';

/** Index of a status in STATUSES. */
export type StatusIndex = 0 | 1 | 2;
export const STATUSES = [200, 404, 500] as const;

export class TrafficProfile {
  readonly #rng: Rng;
  readonly #urls: number;
  /** Client IPs to draw from, error users first; null = a fresh random IP per line. */
  readonly #pool: Uint32Array | null;
  readonly #errorUsers: number;
  /** Without a pool an IP is an error user when its salted hash is below this (a stable verdict per IP). */
  readonly #errorIpThreshold: number;
  readonly #salt: number;
  readonly #errorUrls: number;
  readonly #ok: number;
  readonly #okOr404: number;
  readonly #errorRate: number;
  /** Among failures of the error profile: 404 below this, else 500 (statusDist's 404:500 ratio). */
  readonly #failure404: number;
  #errorUser = false;

  constructor(o: LineOptions, rng: Rng) {
    this.#rng = rng;
    this.#urls = o.urls;
    const [w200, w404, w500] = o.statusDist;
    const total = w200 + w404 + w500;
    this.#ok = threshold(w200 / total);
    this.#okOr404 = threshold((w200 + w404) / total);
    this.#errorRate = threshold(o.errorRate / 100);
    this.#failure404 = w404 + w500 === 0 ? 0 : threshold(w404 / (w404 + w500));
    this.#errorUrls = Math.round((o.urls * o.errorUrlPercent) / 100);
    this.#salt = rng.next();
    this.#errorIpThreshold = threshold(o.errorUserPercent / 100);
    if (o.users > 0) {
      const seen = new Set<number>();
      const pool = new Uint32Array(o.users);
      for (let i = 0; i < pool.length; i++) {
        let ip = rng.next();
        while (seen.has(ip)) ip = rng.next();
        seen.add(ip);
        pool[i] = ip;
      }
      this.#pool = pool;
      this.#errorUsers = Math.round((o.users * o.errorUserPercent) / 100);
    } else {
      this.#pool = null;
      this.#errorUsers = 0;
    }
  }

  /** The next request's client IP (32 bits, high octet first). */
  nextIp(): number {
    const pool = this.#pool;
    if (pool === null) {
      const ip = this.#rng.next();
      this.#errorUser = this.#errorIpThreshold > 0 && this.isErrorIp(ip);
      return ip;
    }
    const i = this.#rng.below(pool.length);
    this.#errorUser = i < this.#errorUsers;
    return pool[i]!;
  }

  /** The next request's URL number, 1..urls. */
  nextUrl(): number {
    return 1 + this.#rng.below(this.#urls);
  }

  /** Status of a request of the last `nextIp()` to URL `url`. */
  nextStatus(url: number): StatusIndex {
    const rng = this.#rng;
    if (this.#errorUser || url <= this.#errorUrls) {
      if (rng.next() >= this.#errorRate) return 0;
      return rng.next() < this.#failure404 ? 1 : 2;
    }
    const d = rng.next();
    return d < this.#ok ? 0 : d < this.#okOr404 ? 1 : 2;
  }

  /** Whether `ip` is an error user (by pool position with --users, else by its salted hash). */
  isErrorIp(ip: number): boolean {
    if (this.#pool !== null) {
      const i = this.#pool.indexOf(ip);
      return i >= 0 && i < this.#errorUsers;
    }
    return fmix32(ip ^ this.#salt) < this.#errorIpThreshold;
  }

  /** Whether `/resource/{url}` is an error URL: the first round(urls × P / 100) of them. */
  isErrorUrl(url: number): boolean {
    return url <= this.#errorUrls;
  }
}

/** MurmurHash3's finaliser: spreads every input bit over the output, so "hash < t" picks a fair share of IPs. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
