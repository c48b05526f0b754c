import { and, asc, eq, sql } from 'drizzle-orm';
import type { UsageRow } from '../../zoom/usage.js';
import type { Database } from '../client.js';
import { apiUsage } from '../schema/index.js';
import { forTenant } from './upsert.js';

/** Adds counted calls (UsageCounters.drain() of the tenant's Zoom client) to the stored totals. */
export async function recordApiUsage(db: Database, tenantId: string, rows: readonly UsageRow[]): Promise<void> {
  // One statement cannot update the same row twice: merge rows of the same day and category first.
  const merged = new Map<string, UsageRow>();
  for (const r of rows) {
    const key = `${r.day}|${r.family}|${r.category}`;
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, calls: seen.calls + r.calls, rateLimited: seen.rateLimited + r.rateLimited } : { ...r });
  }
  if (merged.size === 0) return;
  await forTenant(
    tenantId,
    db
      .insert(apiUsage)
      .values([...merged.values()].map((r) => ({ ...r, tenantId })))
      .onConflictDoUpdate({
        target: [apiUsage.tenantId, apiUsage.day, apiUsage.family, apiUsage.category],
        set: {
          calls: sql`${apiUsage.calls} + excluded.calls`,
          rateLimited: sql`${apiUsage.rateLimited} + excluded.rate_limited`,
          updatedAt: sql`now()`,
        },
      }),
  );
}

/** The tenant's stored usage of one UTC day (yyyy-mm-dd). */
export async function getApiUsage(db: Database, tenantId: string, day: string): Promise<UsageRow[]> {
  return db
    .select({ day: apiUsage.day, family: apiUsage.family, category: apiUsage.category, calls: apiUsage.calls, rateLimited: apiUsage.rateLimited })
    .from(apiUsage)
    .where(and(eq(apiUsage.tenantId, tenantId), eq(apiUsage.day, day)))
    .orderBy(asc(apiUsage.family), asc(apiUsage.category));
}
