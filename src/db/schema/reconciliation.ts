import { date, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, unique, uuid } from 'drizzle-orm/pg-core';
import { instant, lifecycleDates } from './columns.js';
import { tenantColumn } from './tenants.js';

// Reconciliation: the daily comparison of Zoom's logs with the CDRs. A long-running workflow that
// can sleep until the next 00:00 UTC: it persists a cursor so progress survives and can be shown.

// finished_with_errors: the day was reconciled except what Zoom refused (a deleted configured user),
// named in user_errors.
export const RECONCILIATION_STATUSES = ['running', 'waiting_for_quota', 'finished', 'finished_with_errors', 'failed', 'cancelled'] as const;
export type ReconciliationStatus = (typeof RECONCILIATION_STATUSES)[number];
export const reconciliationStatus = pgEnum('reconciliation_status', RECONCILIATION_STATUSES);

/** What one run compares: meetings (every meeting source) or Zoom Phone calls. */
export const RECONCILIATION_FAMILIES = ['meetings', 'phone'] as const;
export type ReconciliationFamily = (typeof RECONCILIATION_FAMILIES)[number];
export const reconciliationFamily = pgEnum('reconciliation_family', RECONCILIATION_FAMILIES);

/**
 * Where a run's walk of Zoom's logs stands, saved only between whole listings (a page token lives 15
 * minutes, so a run that sleeps until 00:00 UTC never keeps one).
 */
export interface ReconciliationCursor {
  /** Listings finished, in the run's order (the dashboard's past and pastOne; a phone day's recording statuses). */
  listingsDone: number;
  /** Per-user plan: the configured users whose reports are all walked, up to this Zoom user id (sorted). */
  usersDoneThrough?: string;
  /** Voice quality: the meetings whose QoS is folded into their CDRs, up to this UUID (sorted). */
  qualityThrough?: string;
}

/** A configured user whose logs Zoom refused to give (the run goes on without them). */
export interface ReconciliationUserError {
  zoomUserId: string;
  error: string;
}

export const reconciliationRuns = pgTable(
  'reconciliation_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    family: reconciliationFamily('family').notNull(),
    // The UTC day compared, yyyy-mm-dd.
    day: date('day', { mode: 'string' }).notNull(),
    status: reconciliationStatus('status').notNull().default('running'),
    // walk (Zoom's logs into reconciliation_items), check (each item against the archive), quality (voice quality, optional), done.
    phase: text('phase').notNull().default('walk'),
    // How meetings were found ('dashboard' or 'user_reports') and the cost estimate that chose it.
    plan: text('plan'),
    planEstimate: jsonb('plan_estimate').$type<Record<string, number>>(),
    cursor: jsonb('cursor').$type<ReconciliationCursor>().notNull().default({ listingsDone: 0 }),
    pagesWalked: integer('pages_walked').notNull().default(0),
    // Heavy and resource-intensive calls this run made (the daily quota's currency).
    heavyCalls: integer('heavy_calls').notNull().default(0),
    pausedUntil: instant('paused_until'),
    runs: integer('runs').notNull().default(1),
    startedAt: instant('started_at').notNull().defaultNow(),
    finishedAt: instant('finished_at'),
    lastError: text('last_error'),
    // Configured users Zoom refused in this run's walk (deleted, not in the account), with Zoom's answer.
    userErrors: jsonb('user_errors').$type<ReconciliationUserError[]>().notNull().default([]),
    ...lifecycleDates,
  },
  (t) => [
    unique('reconciliation_runs_one_per_day').on(t.tenantId, t.family, t.day),
    index('reconciliation_runs_tenant_day').on(t.tenantId, t.day),
  ],
);

/**
 * unchecked: found in Zoom's logs, not yet compared; archived: the archive has a stored, verified
 * file of it; missing: Zoom holds a recording we lacked, handed to the ingest; not_recorded: a
 * recording_failed CDR per configured participant; not_ours: no configured user took part;
 * not_expected: a call the tenant's setting does not require to be recorded (or one never
 * connected); skipped: every file of it was deliberately not archived (the reason says why).
 */
export const RECONCILIATION_OUTCOMES = ['unchecked', 'archived', 'missing', 'not_recorded', 'not_ours', 'not_expected', 'skipped'] as const;
export type ReconciliationOutcome = (typeof RECONCILIATION_OUTCOMES)[number];
export const reconciliationOutcome = pgEnum('reconciliation_outcome', RECONCILIATION_OUTCOMES);

/** What Zoom's log says of one meeting or call, as much as the check needs (no secrets). */
export interface ReconciliationItemFacts {
  /** Meetings: the meeting number; calls: the call history uuid. */
  zoomId: string;
  topic?: string;
  hostId?: string;
  hostEmail?: string;
  hostName?: string;
  startTime: string;
  endTime?: string;
  durationSeconds?: number;
  /** People Zoom counted (the dashboard's `participants`); 1 for a one-participant meeting. */
  participants?: number;
  /** Zoom says a recording was made (the dashboard's has_recording, the call's recording_status). */
  recorded?: boolean;
  /** Zoom says the meeting has compliance-archive files (the dashboard's has_archiving). */
  archived?: boolean;
  /** Configured users Zoom's log already names as taking part (a user report's owner, a call's parties). */
  knownUserIds?: string[];
  /** Calls: the history row as Zoom gave it (numbers, names, direction, result): the first leg found. */
  call?: Record<string, unknown>;
  /** Calls: every history row (leg) of the call Zoom listed that day, by call_history_uuid. */
  legUuids?: string[];
  /** A meeting found missing: the source and meeting as its ingest takes them. */
  handoff?: { source: 'archiving' | 'cloud_recordings'; meeting: { uuid: string; meetingNumber: string; topic: string; hostId: string; startTime: string; durationMinutes: number } };
}

export const reconciliationItems = pgTable(
  'reconciliation_items',
  {
    tenantId: tenantColumn(),
    family: reconciliationFamily('family').notNull(),
    // Meeting UUID or phone call id: the conversations' platform call id.
    platformCallId: text('platform_call_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    facts: jsonb('facts').$type<ReconciliationItemFacts>().notNull(),
    outcome: reconciliationOutcome('outcome').notNull().default('unchecked'),
    // Why it is not_recorded (or what the check could not do), in words support reads.
    reason: text('reason'),
    failedCdrs: integer('failed_cdrs').notNull().default(0),
    ...lifecycleDates,
  },
  (t) => [
    // A call across midnight is an item of each day it is reconciled for.
    primaryKey({ name: 'reconciliation_items_pk', columns: [t.tenantId, t.family, t.day, t.platformCallId] }),
    index('reconciliation_items_day').on(t.tenantId, t.family, t.day, t.outcome),
  ],
);
