import { boolean, index, integer, pgEnum, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { instant, lifecycleDates } from './columns.js';
import { syncSource } from './sync.js';
import { tenantColumn } from './tenants.js';

// Recovery: support's re-import of a time frame, of meetings listed in a CSV, or of failed files.
// One long-running workflow per tenant works through these rows; they are its queue and its
// progress, so its history stays small whatever a request's size.

/** timeframe: a window of a source; meetings: meeting IDs or UUIDs (a CSV); files: failed files to retry. */
export const RECOVERY_KINDS = ['timeframe', 'meetings', 'files'] as const;
export type RecoveryKind = (typeof RECOVERY_KINDS)[number];
export const recoveryKind = pgEnum('recovery_kind', RECOVERY_KINDS);

// finished_with_errors: done, except what Zoom refused (a configured user it no longer knows), named
// in last_error; failed: the request could not be done (Zoom down past its retries), its reason in last_error.
export const RECOVERY_STATUSES = ['queued', 'running', 'finished', 'finished_with_errors', 'failed', 'cancelled'] as const;
export type RecoveryStatus = (typeof RECOVERY_STATUSES)[number];
export const recoveryStatus = pgEnum('recovery_status', RECOVERY_STATUSES);

export const recoveryRequests = pgTable(
  'recovery_requests',
  {
    // Chosen by whoever asks (the API, a CSV's content, the sync's gap), so asking twice is one request.
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    kind: recoveryKind('kind').notNull(),
    // Null: every meeting source the tenant imports (a CSV of meetings names no source).
    source: syncSource('source'),
    // Who asked and how (an API key's name, `csv:<file>`, `system`).
    requestedBy: text('requested_by').notNull(),
    reason: text('reason'),
    windowFrom: instant('window_from'),
    windowTo: instant('window_to'),
    status: recoveryStatus('status').notNull().default('queued'),
    // A time frame's meetings are listed into items once; then the items are the work.
    listed: boolean('listed').notNull().default(false),
    itemsTotal: integer('items_total').notNull().default(0),
    finishedAt: instant('finished_at'),
    lastError: text('last_error'),
    ...lifecycleDates,
  },
  (t) => [index('recovery_requests_tenant_created').on(t.tenantId, t.createdAt)],
);

/**
 * pending → expanded (a meeting number, replaced by one item per instance) | already_archived |
 * not_found | not_ours (no configured user in it) | started → archived | failed; cancelled.
 */
export const RECOVERY_ITEM_STATES = ['pending', 'expanded', 'already_archived', 'not_found', 'not_ours', 'started', 'archived', 'failed', 'cancelled'] as const;
export type RecoveryItemState = (typeof RECOVERY_ITEM_STATES)[number];
export const recoveryItemState = pgEnum('recovery_item_state', RECOVERY_ITEM_STATES);

export const recoveryItems = pgTable(
  'recovery_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: uuid('request_id').notNull().references(() => recoveryRequests.id, { onDelete: 'cascade' }),
    tenantId: tenantColumn(),
    // What support gave or the listing found: a numeric meeting id, a meeting UUID or a phone call id.
    meetingRef: text('meeting_ref').notNull(),
    // A retried file (kind files): one item per file.
    zoomFileId: text('zoom_file_id'),
    // Where the item was found: the meeting source, or phone.
    source: syncSource('source'),
    zoomMeetingId: text('zoom_meeting_id'),
    meetingUuid: text('meeting_uuid'),
    state: recoveryItemState('state').notNull().default('pending'),
    // The item lacked something in the archive, so an ingest was started for it.
    foundMissing: boolean('found_missing').notNull().default(false),
    // The ingest that archives it (the schedule's and webhooks' workflow ID).
    workflowId: text('workflow_id'),
    error: text('error'),
    ...lifecycleDates,
  },
  (t) => [
    unique('recovery_items_request_ref').on(t.requestId, t.meetingRef, t.zoomFileId).nullsNotDistinct(),
    index('recovery_items_tenant_request').on(t.tenantId, t.requestId, t.state),
  ],
);
