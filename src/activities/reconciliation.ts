import {
  addRunUserError,
  archiveEvidence,
  beginReconciliationRun,
  getReconciliationRun,
  listReconciliationItems,
  markCdrsRecordingFailed,
  reconciliationCounts,
  setItemOutcome,
  updateReconciliationRun,
  upsertReconciliationItems,
  voiceQualityScored,
  type FoundItem,
  type ReconciliationItem,
  type ReconciliationRun,
  type ReconciliationRunPatch,
} from '../db/queries/reconciliation.js';
import { heartbeat } from '@temporalio/activity';
import { upsertConversation, type ConversationInput } from '../db/queries/conversations.js';
import { requireTenant, type Tenant } from '../db/queries/tenants.js';
import { archiveVerdict } from '../reconciliation/archived.js';
import type { MissingPage, ReconcileFamily, ReconcileKey, ReconcileProgress, ReconcileStep } from '../reconciliation/types.js';
import { ZoomDailyLimitError, type Listing, type ZoomClient } from '../zoom/index.js';
import { DEFAULT_FILE_RETRY_HOURS } from '../workflows/retry-policies.js';
import type { ActivityDeps } from './deps.js';
import { mappingFailures } from './failures.js';
import { isUserScopedFailure, listingOneUser } from './meeting-listing.js';

// The bookkeeping every reconciliation step shares: the run's row (status, phase, cursor), its
// progress as the database counts it, and the daily quota. A step that finds the quota spent (its
// share reached, or Zoom's daily-limit 429) saves `waiting_for_quota` and returns the reset time
// instead of failing: the workflow sleeps on a timer until then, with the cursor saved.

/** Default share of the daily quota reconciliation may reach: at least 20% stays for the import. */
export const DEFAULT_RECONCILIATION_QUOTA_SHARE = 0.8;

export const quotaShareOf = (tenant: Tenant): number => tenant.options.reconciliation?.quotaShare ?? DEFAULT_RECONCILIATION_QUOTA_SHARE;

export const runKey = (key: ReconcileKey) => ({ family: key.family, day: key.day });

/** Voice quality needs the dashboard's QoS: Business+ only, and for meetings. */
export const ratesVoiceQuality = (tenant: Tenant, key: ReconcileKey): boolean =>
  key.family === 'meetings' && tenant.plan === 'business' && tenant.options.reconciliation?.voiceQuality === true;

export async function progressOf(deps: ActivityDeps, key: ReconcileKey, run?: ReconciliationRun): Promise<ReconcileProgress> {
  const row = run ?? await getReconciliationRun(deps.db, key.tenantId, runKey(key));
  const counts = await reconciliationCounts(deps.db, key.tenantId, runKey(key));
  const rate = ratesVoiceQuality(await requireTenant(deps.db, key.tenantId), key);
  return {
    day: key.day,
    family: key.family,
    status: row?.status ?? 'running',
    phase: row?.phase ?? 'walk',
    plan: row?.plan ?? null,
    pagesWalked: row?.pagesWalked ?? 0,
    heavyCallsUsed: row?.heavyCalls ?? 0,
    found: counts.found,
    checked: counts.checked,
    missingFound: counts.missing,
    failedCdrsWritten: counts.failedCdrs,
    pausedUntil: row?.pausedUntil?.toISOString() ?? null,
    userErrors: row?.userErrors ?? [],
    // Only present where asked for: the progress of every other run stays as it was.
    ...(rate ? { rateVoiceQuality: true, voiceQualityScored: await voiceQualityScored(deps.db, key.tenantId, runKey(key)) } : {}),
  };
}

/** The run's row, which a step needs; a day never begun is a caller's mistake. */
export async function requireRun(deps: ActivityDeps, key: ReconcileKey): Promise<ReconciliationRun> {
  const run = await getReconciliationRun(deps.db, key.tenantId, runKey(key));
  if (!run) throw new Error(`reconciliation of ${key.family} on ${key.day} for tenant '${key.tenantId}' was not begun`);
  return run;
}

/**
 * Runs one step of a reconciliation activity with the tenant and reconciliation's Zoom client (its
 * share of the daily quota). A spent quota ends the step as waiting; whatever the step saved before
 * stays saved. Other failures are mapped for Temporal's retry policy.
 */
export async function reconcileStep(
  deps: ActivityDeps,
  key: ReconcileKey,
  body: (zoom: ZoomClient, tenant: Tenant) => Promise<ReconcileStep>,
): Promise<ReconcileStep> {
  return mappingFailures(async () => {
    const tenant = await requireTenant(deps.db, key.tenantId);
    const zoom = await deps.zoom.forTenant(key.tenantId, { dailyQuotaShare: quotaShareOf(tenant) });
    try {
      return await body(zoom, tenant);
    } catch (err) {
      if (!(err instanceof ZoomDailyLimitError)) throw err;
      const run = await updateReconciliationRun(deps.db, key.tenantId, runKey(key), { status: 'waiting_for_quota', pausedUntil: err.resetsAt });
      return { done: false, waitingUntil: err.resetsAt.toISOString(), progress: await progressOf(deps, key, run) };
    } finally {
      await deps.zoom.flushUsage(key.tenantId);
    }
  });
}

/** Rows written per statement while walking. */
const ROWS_PER_FLUSH = 500;
/**
 * A walk heartbeats at least this often, also while it waits for its turn at the tenant's shared
 * pace (the dashboard's 16 a minute, shared by every day of a range): a wait longer than the
 * heartbeat timeout is not a dead worker, and an attempt timed out there would walk again from
 * page 1 while the old one still spends quota.
 */
const WAITING_HEARTBEAT_MS = 5_000;

/**
 * Walks one of Zoom's listings into reconciliation_items, writing as it goes and heartbeating per
 * page (a dashboard page comes every few seconds at Zoom's 20 a minute). The pages Zoom answered
 * are counted on the run whether or not the walk finished.
 */
export async function walkListingInto<T>(
  deps: ActivityDeps,
  key: ReconcileKey,
  listing: Listing<T>,
  toItems: (rows: T[]) => FoundItem[] | Promise<FoundItem[]>,
): Promise<void> {
  let rows: T[] = [];
  const flush = async () => {
    await upsertReconciliationItems(deps.db, key.tenantId, runKey(key), await toItems(rows));
    rows = [];
  };
  let pagesSeen = 0;
  const alive = setInterval(() => heartbeat({ pages: pagesSeen }), WAITING_HEARTBEAT_MS);
  try {
    for await (const row of listing) {
      rows.push(row);
      if (listing.stats.pages !== pagesSeen) {
        pagesSeen = listing.stats.pages;
        heartbeat({ pages: pagesSeen });
      }
      if (rows.length >= ROWS_PER_FLUSH) await flush();
    }
    await flush();
  } finally {
    clearInterval(alive);
    await updateReconciliationRun(deps.db, key.tenantId, runKey(key), {}, { pages: listing.stats.pages, heavyCalls: listing.stats.pages });
  }
}

/**
 * One configured user's listings in a per-user walk. Zoom's "no" about the user (404/1001 deleted,
 * a 4xx, a 5xx past the retries) is recorded on the run with Zoom's answer and the walk goes on
 * with the next user; false then. Credentials and the quota still stop the step.
 */
export async function walkingOneUser(deps: ActivityDeps, key: ReconcileKey, zoomUserId: string, work: () => Promise<void>): Promise<boolean> {
  try {
    await listingOneUser(work);
    return true;
  } catch (err) {
    if (!isUserScopedFailure(err)) throw err;
    await addRunUserError(deps.db, key.tenantId, runKey(key), { zoomUserId, error: (err as Error).message });
    return false;
  }
}

/**
 * Settles what the archive alone can: a stored, verified file (archived) or files all skipped on
 * purpose (skipped, with why). The rest comes back for the check, with the reason to report when
 * the archive already tells the recording will not be archived by itself.
 */
export async function settleByArchive(deps: ActivityDeps, key: ReconcileKey, tenant: Tenant, items: ReconciliationItem[]): Promise<{ item: ReconciliationItem; reported?: string }[]> {
  const evidence = await archiveEvidence(deps.db, key.tenantId, items.map((i) => i.platformCallId));
  const retryHours = tenant.options.fileRetryHours ?? DEFAULT_FILE_RETRY_HOURS;
  const now = new Date();
  const left: { item: ReconciliationItem; reported?: string }[] = [];
  for (const item of items) {
    const verdict = archiveVerdict(evidence.get(item.platformCallId), retryHours, now);
    if (verdict?.outcome === 'archived') await setItemOutcome(deps.db, key.tenantId, runKey(key), item.platformCallId, { outcome: 'archived' });
    else if (verdict?.outcome === 'skipped') await setItemOutcome(deps.db, key.tenantId, runKey(key), item.platformCallId, { outcome: 'skipped', reason: verdict.reason });
    else left.push({ item, ...(verdict ? { reported: verdict.reason } : {}) });
  }
  return left;
}

/**
 * A meeting or call that should have a recording and has none in the archive: one recording_failed
 * CDR per configured user on it, the ingest's own CDRs (written while files were pending) included.
 */
export async function reportNotRecorded(deps: ActivityDeps, key: ReconcileKey, platformCallId: string, reason: string, cdrs: ConversationInput[]): Promise<void> {
  await markCdrsRecordingFailed(deps.db, key.tenantId, platformCallId, reason);
  for (const cdr of cdrs) await upsertConversation(deps.db, key.tenantId, cdr);
  await setItemOutcome(deps.db, key.tenantId, runKey(key), platformCallId, { outcome: 'not_recorded', reason, failedCdrs: cdrs.length });
}

/** Names the configured users Zoom refused, for the run's error and the API. */
const describeUserErrors = (errors: { zoomUserId: string; error: string }[]): string =>
  `Zoom refused ${errors.length} configured user(s); the day is reconciled without them: ${errors.map((e) => `${e.zoomUserId} (${e.error})`).join('; ')}`;

export const createReconciliationActivities = (deps: ActivityDeps) => ({
  /** Starts (or re-checks) the day: the walk starts over, what was not archived is checked again. */
  async beginReconciliation(key: ReconcileKey): Promise<ReconcileProgress> {
    return mappingFailures(async () => progressOf(deps, key, await beginReconciliationRun(deps.db, key.tenantId, runKey(key))));
  },

  /**
   * Records the run's status as the workflow sees it (running again after a sleep, finished,
   * cancelled); a finished day with users Zoom refused is `finished_with_errors`, naming them.
   */
  async saveReconciliationStatus(input: ReconcileKey & { status: 'running' | 'finished' | 'cancelled' | 'failed'; error?: string }): Promise<ReconcileProgress> {
    return mappingFailures(async () => {
      const userErrors = (await requireRun(deps, input)).userErrors;
      const status = input.status === 'finished' && userErrors.length > 0 ? 'finished_with_errors' : input.status;
      const patch: ReconciliationRunPatch = { status, pausedUntil: null };
      if (input.status !== 'running') patch.finishedAt = new Date();
      if (input.status === 'finished') patch.phase = 'done';
      if (input.error) patch.lastError = input.error;
      else if (status === 'finished_with_errors') patch.lastError = describeUserErrors(userErrors);
      const run = await updateReconciliationRun(deps.db, input.tenantId, runKey(input), patch);
      return progressOf(deps, input, run);
    });
  },

  /** The families a tenant imports, and so reconciles: meetings (either meeting source) and phone. */
  async reconciliationFamilies({ tenantId }: { tenantId: string }): Promise<ReconcileFamily[]> {
    return mappingFailures(async () => {
      const tenant = await requireTenant(deps.db, tenantId);
      const families: ReconcileFamily[] = [];
      if (tenant.archivingEnabled || tenant.cloudRecordingsEnabled) families.push('meetings');
      if (tenant.phoneEnabled) families.push('phone');
      return families;
    });
  },

  /** The next page of the day's items found missing, oldest id first, for the workflow to start their ingest. */
  async nextMissing(input: ReconcileKey & { after?: string; limit: number }): Promise<MissingPage> {
    return mappingFailures(async () => {
      const items = await listReconciliationItems(deps.db, input.tenantId, runKey(input), { outcome: 'missing', ...(input.after !== undefined ? { after: input.after } : {}), limit: input.limit });
      return {
        meetings: input.family === 'meetings' ? items.flatMap((i) => (i.facts.handoff ? [i.facts.handoff] : [])) : [],
        callIds: input.family === 'phone' ? items.map((i) => i.platformCallId) : [],
        last: items.at(-1)?.platformCallId ?? null,
      };
    });
  },

  async reconciliationProgress(key: ReconcileKey): Promise<ReconcileProgress> {
    return mappingFailures(() => progressOf(deps, key));
  },
});
