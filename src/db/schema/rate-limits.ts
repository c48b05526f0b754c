import { date, integer, pgTable, primaryKey } from 'drizzle-orm/pg-core';
import { instant, lifecycleDates } from './columns.js';
import { apiFamily, rateCategory } from './sync.js';
import { tenantColumn } from './tenants.js';

// Zoom's limits are per account, so every worker process paces its calls from these rows
// (src/zoom/shared-rate-limiter.ts explains the scheme; src/db/queries/api-pacing.ts runs it).

/** GCRA per tenant, API family and rate-limit category. */
export const apiPacing = pgTable(
  'api_pacing',
  {
    tenantId: tenantColumn(),
    family: apiFamily('family').notNull(),
    category: rateCategory('category').notNull(),
    // The "theoretical arrival time": the slot after the last one handed out. The next call waits
    // until tat - burst × spacing (the database's clock), then moves it one spacing on.
    tat: instant('tat').notNull(),
    ...lifecycleDates,
  },
  (t) => [primaryKey({ name: 'api_pacing_pk', columns: [t.tenantId, t.family, t.category] })],
);

/** Heavy and resource-intensive calls share one daily quota per account and family (REFERENCE §8.1 ★). */
export const apiDailyQuotas = pgTable(
  'api_daily_quotas',
  {
    tenantId: tenantColumn(),
    family: apiFamily('family').notNull(),
    // The UTC day `used` counts: a call of a later day starts it afresh (Zoom resets at 00:00 UTC).
    day: date('day', { mode: 'string' }).notNull(),
    // Calls paced this day, whatever Zoom answered: no worker sends once it reaches the plan's quota.
    used: integer('used').notNull().default(0),
    // After a daily-limit 429: Zoom's reset time (other apps of the account spend the quota too).
    blockedUntil: instant('blocked_until'),
    ...lifecycleDates,
  },
  (t) => [primaryKey({ name: 'api_daily_quotas_pk', columns: [t.tenantId, t.family] })],
);
