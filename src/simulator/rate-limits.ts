import { DAY, startOfUtcDay, zoomTime } from './clock.js';
import type { Plan } from './model.js';

export type Category = 'light' | 'medium' | 'heavy' | 'resource-intensive';
export type ApiFamily = 'meetings' | 'phone';

/** One plan's limits for one API family: per-second for light/medium/heavy, per-minute for resource-intensive. */
export interface PlanLimits {
  lightPerSecond: number;
  mediumPerSecond: number;
  heavyPerSecond: number;
  resourceIntensivePerMinute: number;
  /** Daily quota shared by heavy and resource-intensive calls; resets at 00:00 UTC. */
  heavyDailyQuota: number;
}

export interface RateLimitConfig {
  enabled: boolean;
  meetings: Record<Plan, PlanLimits>;
  phone: Record<Plan, PlanLimits>;
  /**
   * Categories charged to the daily quota: Zoom's are heavy and resource-intensive. A test may add
   * another (the archiver's meeting path makes no heavy call) to run the daily-limit path on the
   * simulator's own quota: same 429, same Retry-After, same reset at 00:00 UTC.
   */
  dailyQuotaCategories: Category[];
}

/** Today's numbers from REFERENCE.md §8; configuration because Zoom changes them. */
export const DEFAULT_RATE_LIMITS: RateLimitConfig = {
  enabled: true,
  meetings: {
    pro: { lightPerSecond: 30, mediumPerSecond: 20, heavyPerSecond: 10, resourceIntensivePerMinute: 10, heavyDailyQuota: 30_000 },
    business: { lightPerSecond: 80, mediumPerSecond: 60, heavyPerSecond: 40, resourceIntensivePerMinute: 20, heavyDailyQuota: 60_000 },
  },
  phone: {
    pro: { lightPerSecond: 20, mediumPerSecond: 10, heavyPerSecond: 5, resourceIntensivePerMinute: 5, heavyDailyQuota: 15_000 },
    business: { lightPerSecond: 40, mediumPerSecond: 20, heavyPerSecond: 10, resourceIntensivePerMinute: 10, heavyDailyQuota: 30_000 },
  },
  dailyQuotaCategories: ['heavy', 'resource-intensive'],
};

export type RateLimitOverrides = {
  enabled?: boolean;
  dailyQuotaCategories?: Category[];
  meetings?: { [P in Plan]?: Partial<PlanLimits> };
  phone?: { [P in Plan]?: Partial<PlanLimits> };
};

export function mergeRateLimits(base: RateLimitConfig, overrides: RateLimitOverrides = {}): RateLimitConfig {
  const family = (name: ApiFamily): Record<Plan, PlanLimits> => ({
    pro: { ...base[name].pro, ...overrides[name]?.pro },
    business: { ...base[name].business, ...overrides[name]?.business },
  });
  return {
    enabled: overrides.enabled ?? base.enabled,
    meetings: family('meetings'),
    phone: family('phone'),
    dailyQuotaCategories: overrides.dailyQuotaCategories ?? base.dailyQuotaCategories,
  };
}

export interface RateLimitRejection {
  type: 'QPS' | 'Daily-limit';
  headers: Record<string, string>;
  message: string;
}

const HEADER_CATEGORY: Record<Category, string> = {
  light: 'Light', medium: 'Medium', heavy: 'Heavy', 'resource-intensive': 'Resource-intensive',
};

export const QPS_MESSAGE = 'You have reached the maximum per-second rate limit for this API. Try again later.';
export const DAILY_MESSAGE = 'You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request.';

/**
 * Fixed windows on the simulated clock, per account, API family and category. Under a frozen clock
 * the per-second and per-minute windows still roll with real time (`windowNowMs`), so a client
 * is not refused forever; the daily quota follows the simulated day.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly daily = new Map<string, { day: number; used: number }>();

  constructor(public config: RateLimitConfig) {}

  /** Counts the call, or says why Zoom would refuse it. */
  take(accountId: string, plan: Plan, family: ApiFamily, category: Category, nowMs: number, windowNowMs = nowMs): RateLimitRejection | null {
    if (!this.config.enabled) return null;
    const limits = this.config[family][plan];
    const sharesDaily = this.config.dailyQuotaCategories.includes(category);
    const dayKey = `${accountId}|${family}`;
    const today = startOfUtcDay(nowMs);
    let day = this.daily.get(dayKey);
    if (!day || day.day !== today) {
      // Zoom quirk: daily quotas reset at 00:00 UTC, not 24 h after the first call.
      day = { day: today, used: 0 };
      this.daily.set(dayKey, day);
    }
    if (sharesDaily && day.used >= limits.heavyDailyQuota) {
      return this.daily429(category, limits.heavyDailyQuota, today);
    }
    const windowMs = category === 'resource-intensive' ? 60_000 : 1000;
    const limit = perWindow(limits, category);
    const key = `${accountId}|${family}|${category}`;
    const start = Math.floor(windowNowMs / windowMs) * windowMs;
    let window = this.windows.get(key);
    if (!window || window.start !== start) {
      window = { start, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= limit) {
      return qps429(category, limit, Math.max(1, Math.ceil((start + windowMs - windowNowMs) / 1000)));
    }
    window.count++;
    if (sharesDaily) day.used++;
    return null;
  }

  dailyUsed(accountId: string, family: ApiFamily, nowMs: number): number {
    const day = this.daily.get(`${accountId}|${family}`);
    return day && day.day === startOfUtcDay(nowMs) ? day.used : 0;
  }

  reset(): void {
    this.windows.clear();
    this.daily.clear();
  }

  private daily429(category: Category, limit: number, today: number): RateLimitRejection {
    return {
      type: 'Daily-limit',
      message: DAILY_MESSAGE,
      headers: {
        'X-RateLimit-Category': HEADER_CATEGORY[category],
        'X-RateLimit-Type': 'Daily-limit',
        'X-RateLimit-Limit': String(limit),
        'X-RateLimit-Remaining': '0',
        // Zoom quirk: a daily-limit Retry-After is a date-time (next 00:00 UTC), not seconds.
        'Retry-After': zoomTime(today + DAY),
      },
    };
  }
}

export function qps429(category: Category, limit: number, retryAfterSeconds: number): RateLimitRejection {
  return {
    type: 'QPS',
    message: QPS_MESSAGE,
    headers: {
      'X-RateLimit-Category': HEADER_CATEGORY[category],
      'X-RateLimit-Type': 'QPS',
      'X-RateLimit-Limit': String(limit),
      'X-RateLimit-Remaining': '0',
      'Retry-After': String(retryAfterSeconds),
    },
  };
}

function perWindow(limits: PlanLimits, category: Category): number {
  switch (category) {
    case 'light': return limits.lightPerSecond;
    case 'medium': return limits.mediumPerSecond;
    case 'heavy': return limits.heavyPerSecond;
    case 'resource-intensive': return limits.resourceIntensivePerMinute;
  }
}
