/**
 * Counters of Zoom API calls per UTC day, API family and rate-limit category, kept in memory for the
 * project to persist (api_usage). The daily quota of heavy calls is budgeted when a call is paced
 * (SharedRateLimiter), not from these counts, which reach the database only after an activity.
 */
import type { ApiFamily, RateCategory } from './config.js';

export interface UsageRow {
  /** UTC day, yyyy-mm-dd. */
  day: string;
  family: ApiFamily;
  category: RateCategory;
  calls: number;
  rateLimited: number;
}

export type UsageOutcome = 'ok' | 'rate_limited';

export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

export class UsageCounters {
  private readonly rows = new Map<string, UsageRow>();

  /** Every request that reached Zoom counts against the quota, whatever its answer. */
  record(at: Date, family: ApiFamily, category: RateCategory, outcome: UsageOutcome = 'ok'): void {
    const day = utcDay(at);
    const key = `${day}|${family}|${category}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { day, family, category, calls: 0, rateLimited: 0 };
      this.rows.set(key, row);
    }
    row.calls += 1;
    if (outcome === 'rate_limited') row.rateLimited += 1;
  }

  snapshot(): UsageRow[] {
    return [...this.rows.values()].map((r) => ({ ...r }));
  }

  /** Calls of one family and categories on a UTC day. */
  count(day: string, family: ApiFamily, categories: readonly RateCategory[]): number {
    let n = 0;
    for (const r of this.rows.values()) if (r.day === day && r.family === family && categories.includes(r.category)) n += r.calls;
    return n;
  }

  /** Hands every row over (to be persisted) and starts counting afresh. */
  drain(): UsageRow[] {
    const rows = this.snapshot();
    this.rows.clear();
    return rows;
  }
}
