/**
 * One Zoom budget per account, whichever worker process makes the call. Zoom's limits are per
 * account (REFERENCE §8): N workers each pacing at the plan's share on their own would send N times
 * it. So the pacing state lives in a store every worker reaches (PostgreSQL: src/db/queries/api-pacing.ts)
 * and each call is one atomic reservation there:
 *
 * - pacing per family and category is GCRA: the store keeps a "theoretical arrival time" (TAT),
 *   each call moves it one spacing on from max(TAT, now) and waits until TAT - burst × spacing, the
 *   same schedule as RateLimiter's bucket (a burst after a quiet spell, then one call per spacing);
 * - the store's own clock times the slots, so the workers' clocks may disagree;
 * - heavy and resource-intensive calls also take one from the family's count of the UTC day (they
 *   share Zoom's daily quota), refused once it reaches the plan's `dailyHeavy`;
 * - a per-second 429 moves the category's TAT on, a daily-limit 429 blocks the family's quota, for
 *   every worker alike.
 *
 * A store that cannot answer fails the call (the activity retries): nothing goes out unpaced.
 */
import type { ApiFamily, RateCategory, RateLimitProfile } from './config.js';
import { nextUtcMidnight, paceOf, sharesDailyQuota, systemClock, type Clock, type Pace, type Pacer } from './rate-limiter.js';
import { utcDay } from './usage.js';

export interface SlotRequest extends Pace {
  family: ApiFamily;
  category: RateCategory;
  /** Heavy and resource-intensive calls: the family's daily quota they are counted against. */
  daily?: {
    /** The UTC day (yyyy-mm-dd) the call counts in; a later day starts the count afresh. */
    day: string;
    quota: number;
    /** A block from a daily-limit 429 holds while it is after this instant. */
    now: Date;
  };
  /** The instant the slot is counted from; the store's own clock when absent (tests pass virtual time). */
  at?: Date;
}

/** Whole milliseconds (rounded up) to wait for the reserved slot, or (daily-quota categories) the reset time of a spent quota. */
export type SlotGrant = { waitMs: number } | { dailyBlockedUntil: Date };

/** Where the shared state of one tenant lives; every method is one atomic step. */
export interface PacingStore {
  /** Counts the call against the daily quota (when asked) and reserves its slot, or refuses it unsent. */
  reserve(request: SlotRequest): Promise<SlotGrant>;
  /** No slot of the category before `ms` from now (`at`, else the store's clock). */
  pause(request: { family: ApiFamily; category: RateCategory; ms: number; at?: Date } & Pace): Promise<void>;
  /** No call counted against the family's daily quota before `until`. */
  blockDaily(family: ApiFamily, day: string, until: Date): Promise<void>;
}

export interface SharedRateLimiterOptions {
  store: PacingStore;
  profile: RateLimitProfile;
  /** Sleeps, the UTC day of the quota and the end of a daily block. */
  clock?: Clock;
  /** Tests: the instant slots count from, instead of the store's clock. */
  pacingNow?: () => Date;
  /**
   * The part of the daily quota this limiter's calls may reach (default 1). The count is the
   * account's, every caller's calls included: reconciliation stops at its share and leaves the
   * rest of the day's quota to the import.
   */
  dailyQuotaShare?: number;
}

export class SharedRateLimiter implements Pacer {
  private readonly clock: Clock;

  constructor(private readonly options: SharedRateLimiterOptions) {
    this.clock = options.clock ?? systemClock;
  }

  async acquire(family: ApiFamily, category: RateCategory): Promise<{ dailyBlockedUntil?: Date }> {
    const { profile, store } = this.options;
    const now = this.clock.now();
    const grant = await store.reserve({
      family,
      category,
      ...this.pace(family, category),
      ...(sharesDailyQuota(category) ? { daily: { day: utcDay(now), quota: Math.floor(profile.dailyHeavy[family] * (this.options.dailyQuotaShare ?? 1)), now } } : {}),
      ...this.at(),
    });
    if ('dailyBlockedUntil' in grant) return { dailyBlockedUntil: grant.dailyBlockedUntil };
    if (grant.waitMs > 0) await this.clock.sleep(grant.waitMs);
    return {};
  }

  async pause(family: ApiFamily, category: RateCategory, ms: number): Promise<void> {
    await this.options.store.pause({ family, category, ms, ...this.pace(family, category), ...this.at() });
  }

  async blockDaily(family: ApiFamily, until: Date): Promise<void> {
    await this.options.store.blockDaily(family, utcDay(this.clock.now()), until);
  }

  private pace(family: ApiFamily, category: RateCategory): Pace {
    const { profile } = this.options;
    return paceOf(profile[family][category], profile.share);
  }

  private at(): { at?: Date } {
    return this.options.pacingNow ? { at: this.options.pacingNow() } : {};
  }
}

/** When a spent daily quota of `day` opens again: Zoom resets at 00:00 UTC. */
export const dailyQuotaReset = (day: string): Date => nextUtcMidnight(new Date(`${day}T00:00:00Z`));
