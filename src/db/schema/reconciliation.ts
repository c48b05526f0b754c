import { date, index, integer, jsonb, pgEnum, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { instant, lifecycleDates } from './columns.js';
import { syncSource } from './sync.js';
import { tenantColumn } from './tenants.js';

// Reconciliation (daily comparison of Zoom's logs with the CDRs) and recovery (support's re-import
// of a time frame or a list of meetings). Both are long-running workflows that can sleep until the
// next 00:00 UTC: they persist a cursor so progress survives and can be shown.

export const RECONCILIATION_STATUSES = ['running', 'waiting_for_quota', 'finished', 'failed'] as const;
export type ReconciliationStatus = (typeof RECONCILIATION_STATUSES)[number];
export const reconciliationStatus = pgEnum('reconciliation_status', RECONCILIATION_STATUSES);

/** Where a paged walk of Zoom's logs stopped. */
export interface ReconciliationCursor {
  /** UTC day being compared, yyyy-mm-dd. */
  day: string;
  nextPageToken?: string;
}

export const reconciliationRuns = pgTable(
  'reconciliation_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    source: syncSource('source').notNull(),
    fromDay: date('from_day', { mode: 'string' }).notNull(),
    toDay: date('to_day', { mode: 'string' }).notNull(),
    status: reconciliationStatus('status').notNull().default('running'),
    cursor: jsonb('cursor').$type<ReconciliationCursor>(),
    conversationsChecked: integer('conversations_checked').notNull().default(0),
    missingFound: integer('missing_found').notNull().default(0),
    failedCdrsWritten: integer('failed_cdrs_written').notNull().default(0),
    apiCalls: integer('api_calls').notNull().default(0),
    startedAt: instant('started_at').notNull().defaultNow(),
    finishedAt: instant('finished_at'),
    lastError: text('last_error'),
    ...lifecycleDates,
  },
  (t) => [index('reconciliation_runs_tenant_started').on(t.tenantId, t.startedAt)],
);

export const RECOVERY_KINDS = ['timeframe', 'meetings'] as const;
export type RecoveryKind = (typeof RECOVERY_KINDS)[number];
export const recoveryKind = pgEnum('recovery_kind', RECOVERY_KINDS);

export const RECOVERY_STATUSES = ['queued', 'running', 'finished', 'failed'] as const;
export type RecoveryStatus = (typeof RECOVERY_STATUSES)[number];
export const recoveryStatus = pgEnum('recovery_status', RECOVERY_STATUSES);

export const recoveryRequests = pgTable(
  'recovery_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    kind: recoveryKind('kind').notNull(),
    source: syncSource('source').notNull(),
    // Who asked and how (an API user, or the CSV file's name in the tenant's drop folder).
    requestedBy: text('requested_by').notNull(),
    windowFrom: instant('window_from'),
    windowTo: instant('window_to'),
    status: recoveryStatus('status').notNull().default('queued'),
    // Opaque to the database: where the recovery workflow resumes.
    cursor: jsonb('cursor').$type<Record<string, unknown>>(),
    itemsTotal: integer('items_total').notNull().default(0),
    itemsMissing: integer('items_missing').notNull().default(0),
    itemsArchived: integer('items_archived').notNull().default(0),
    itemsFailed: integer('items_failed').notNull().default(0),
    finishedAt: instant('finished_at'),
    lastError: text('last_error'),
    ...lifecycleDates,
  },
  (t) => [index('recovery_requests_tenant_created').on(t.tenantId, t.createdAt)],
);

/** already_archived: every file was stored before; only what is really missing is downloaded again. */
export const RECOVERY_ITEM_STATES = ['pending', 'already_archived', 'started', 'archived', 'not_found', 'failed'] as const;
export type RecoveryItemState = (typeof RECOVERY_ITEM_STATES)[number];
export const recoveryItemState = pgEnum('recovery_item_state', RECOVERY_ITEM_STATES);

export const recoveryItems = pgTable(
  'recovery_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: uuid('request_id').notNull().references(() => recoveryRequests.id, { onDelete: 'cascade' }),
    tenantId: tenantColumn(),
    // What support gave: a numeric meeting id or a meeting UUID (a numeric id can stand for several instances).
    meetingRef: text('meeting_ref').notNull(),
    zoomMeetingId: text('zoom_meeting_id'),
    meetingUuid: text('meeting_uuid'),
    state: recoveryItemState('state').notNull().default('pending'),
    error: text('error'),
    ...lifecycleDates,
  },
  (t) => [
    unique('recovery_items_request_meeting').on(t.requestId, t.meetingRef),
    index('recovery_items_tenant_request').on(t.tenantId, t.requestId),
  ],
);
