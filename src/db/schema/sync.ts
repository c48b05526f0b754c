import { date, integer, pgEnum, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { API_FAMILIES, RATE_CATEGORIES } from '../../zoom/config.js';
import { instant, lifecycleDates } from './columns.js';
import { tenantColumn } from './tenants.js';

/** The Zoom listings a tenant can import from; each has its own schedule and watermark. */
export const SYNC_SOURCES = ['archiving', 'cloud_recordings', 'phone'] as const;
export type SyncSource = (typeof SYNC_SOURCES)[number];
export const syncSource = pgEnum('sync_source', SYNC_SOURCES);

// `finished_with_errors`: everything that could be listed was handed over, but some users could not be
// listed (their windows stay open); see user_listing_states.
export const SYNC_STATUSES = ['running', 'finished', 'finished_with_errors', 'failed'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];
export const syncStatus = pgEnum('sync_status', SYNC_STATUSES);

/** Whether Zoom accepted the tenant's credentials on the last attempt (an operator fixes `unauthorized`). */
export const AUTHORIZATION_STATUSES = ['unknown', 'authorized', 'unauthorized'] as const;
export type AuthorizationStatus = (typeof AUTHORIZATION_STATUSES)[number];
export const authorizationStatus = pgEnum('authorization_status', AUTHORIZATION_STATUSES);

export const syncStates = pgTable(
  'sync_states',
  {
    tenantId: tenantColumn(),
    source: syncSource('source').notNull(),
    status: syncStatus('status').notNull(),
    lastAttemptAt: instant('last_attempt_at'),
    lastSuccessAt: instant('last_success_at'),
    // "Last recording fetched till": the next sync lists from here (minus Zoom's overlap).
    watermark: instant('watermark'),
    authorizationStatus: authorizationStatus('authorization_status').notNull().default('unknown'),
    lastError: text('last_error'),
    ...lifecycleDates,
  },
  (t) => [primaryKey({ name: 'sync_states_pk', columns: [t.tenantId, t.source] })],
);

/**
 * Per recorded user and source, for listings made user by user (a user's cloud recordings): one
 * user Zoom no longer knows (deleted, a typo in the tenants file) is recorded here with Zoom's
 * answer and listed again from `listedUntil` once fixed, while every other user moves on.
 */
export const userListingStates = pgTable(
  'user_listing_states',
  {
    tenantId: tenantColumn(),
    source: syncSource('source').notNull(),
    zoomUserId: text('zoom_user_id').notNull(),
    // The end of this user's last complete listing: the next one starts there (minus Zoom's overlap).
    listedUntil: instant('listed_until'),
    lastListedAt: instant('last_listed_at'),
    lastError: text('last_error'),
    lastErrorAt: instant('last_error_at'),
    ...lifecycleDates,
  },
  (t) => [primaryKey({ name: 'user_listing_states_pk', columns: [t.tenantId, t.source, t.zoomUserId] })],
);

export const apiFamily = pgEnum('api_family', API_FAMILIES);
export const rateCategory = pgEnum('rate_category', RATE_CATEGORIES);

// Heavy calls share a daily quota that resets at 00:00 UTC, so usage is counted per UTC day.
export const apiUsage = pgTable(
  'api_usage',
  {
    tenantId: tenantColumn(),
    day: date('day', { mode: 'string' }).notNull(),
    family: apiFamily('family').notNull(),
    category: rateCategory('category').notNull(),
    calls: integer('calls').notNull().default(0),
    rateLimited: integer('rate_limited').notNull().default(0),
    ...lifecycleDates,
  },
  (t) => [primaryKey({ name: 'api_usage_pk', columns: [t.tenantId, t.day, t.family, t.category] })],
);
