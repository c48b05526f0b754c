/**
 * Pacing of one tenant's calls: what ZoomHttp asks of a pacer (`Pacer`), the pace a plan's limit
 * allows, and the in-process pacer (a token bucket per API family and rate-limit category, filled
 * at a share of the plan's published limit, plus pauses after a 429 and a block of the daily quota).
 * Workers share one budget through `SharedRateLimiter` (shared-rate-limiter.ts) instead.
 */
import type { ApiFamily, RateCategory, RateLimitProfile, RateRule } from './config.js';

/** Paces the calls of one tenant; ZoomHttp asks it before every call and tells it about 429s. */
export interface Pacer {
  /**
   * Waits until a call of this category may go out. Returns the daily-quota reset time instead when
   * the family's heavy quota is known to be spent (the caller raises the typed error, nothing sent).
   */
  acquire(family: ApiFamily, category: RateCategory): Promise<{ dailyBlockedUntil?: Date }>;
  /** After a per-second 429: every caller of the category waits `ms`. */
  pause(family: ApiFamily, category: RateCategory, ms: number): Promise<void> | void;
  /** After a daily-limit 429: the family's heavy and resource-intensive calls wait until `until`. */
  blockDaily(family: ApiFamily, until: Date): Promise<void> | void;
}

export interface Clock {
  /** Wall clock (UTC days, Retry-After dates). */
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Heavy and resource-intensive calls share one daily quota (REFERENCE §8.1, ★). */
export const sharesDailyQuota = (category: RateCategory): boolean => category === 'heavy' || category === 'resource-intensive';

export function nextUtcMidnight(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

/**
 * `Retry-After` as milliseconds from `now`: delta-seconds, or a date (HTTP-date, or ISO as Zoom sends
 * for daily limits). Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** The moment Zoom's daily quota is usable again: Retry-After when readable, else next 00:00 UTC. */
export function dailyResetTime(retryAfter: string | undefined, now: Date): Date {
  const v = retryAfter?.trim() ?? '';
  // A date is taken as Zoom's own reset time (Zoom's clock, not ours); seconds count from now.
  const at = /^\d+(\.\d+)?$/.test(v) || v === '' ? NaN : Date.parse(v);
  if (!Number.isNaN(at)) return new Date(at);
  const ms = parseRetryAfter(retryAfter, now);
  return ms === undefined ? nextUtcMidnight(now) : new Date(now.getTime() + ms);
}

/** How a rule paced at `share` lets calls out: one every `spacingMs`, up to `burst` at once after a quiet spell. */
export interface Pace {
  spacingMs: number;
  burst: number;
}

export function paceOf(rule: RateRule, share: number): Pace {
  const perInterval = rule.limit * share;
  return {
    spacingMs: rule.intervalMs / perInterval,
    // Burst plus one interval's refill stays within the limit even in a fixed window (Zoom does not
    // document its window); per-minute limits get a burst of one and are spread evenly.
    burst: rule.intervalMs > 1000 ? 1 : Math.max(1, Math.floor(rule.limit - perInterval)),
  };
}

class TokenBucket {
  private tokens: number;
  private last: number;
  private pausedUntil = 0;
  private readonly capacity: number;
  private readonly perMs: number;
  private chain: Promise<void> = Promise.resolve();

  constructor(rule: RateRule, share: number, private readonly monotonic: () => number, private readonly sleep: (ms: number) => Promise<void>) {
    this.perMs = (rule.limit * share) / rule.intervalMs;
    this.capacity = paceOf(rule, share).burst;
    this.tokens = this.capacity;
    this.last = monotonic();
  }

  /** Waits for a token; callers are served in order. */
  take(): Promise<void> {
    const turn = this.chain.then(() => this.waitForToken());
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.monotonic() + ms);
    this.tokens = Math.min(this.tokens, 0);
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      const now = this.monotonic();
      if (now < this.pausedUntil) {
        await this.sleep(this.pausedUntil - now);
        continue;
      }
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.perMs);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(Math.ceil((1 - this.tokens) / this.perMs));
    }
  }
}

export interface RateLimiterOptions {
  profile: RateLimitProfile;
  clock?: Clock;
  /** Monotonic milliseconds for pacing (defaults to performance.now). */
  monotonic?: () => number;
}

/** The pacer of one worker process: enough alone, but N workers each pace at the whole share (see SharedRateLimiter). */
export class RateLimiter implements Pacer {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly dailyBlocks = new Map<ApiFamily, Date>();
  private readonly clock: Clock;
  private readonly monotonic: () => number;

  constructor(private readonly options: RateLimiterOptions) {
    this.clock = options.clock ?? systemClock;
    this.monotonic = options.monotonic ?? (() => performance.now());
  }

  async acquire(family: ApiFamily, category: RateCategory): Promise<{ dailyBlockedUntil?: Date }> {
    const blocked = this.dailyBlockedUntil(family, category);
    if (blocked) return { dailyBlockedUntil: blocked };
    await this.bucket(family, category).take();
    return {};
  }

  pause(family: ApiFamily, category: RateCategory, ms: number): void {
    this.bucket(family, category).pause(ms);
  }

  blockDaily(family: ApiFamily, until: Date): void {
    const current = this.dailyBlocks.get(family);
    if (!current || current < until) this.dailyBlocks.set(family, until);
  }

  dailyBlockedUntil(family: ApiFamily, category: RateCategory): Date | undefined {
    if (!sharesDailyQuota(category)) return undefined;
    const until = this.dailyBlocks.get(family);
    if (until && until > this.clock.now()) return until;
    this.dailyBlocks.delete(family);
    return undefined;
  }

  private bucket(family: ApiFamily, category: RateCategory): TokenBucket {
    const key = `${family}:${category}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const { profile } = this.options;
      bucket = new TokenBucket(profile[family][category], profile.share, this.monotonic, (ms) => this.clock.sleep(ms));
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
