import {
  beginReconciliationRun,
  getReconciliationRun,
  listReconciliationItems,
  reconciliationCounts,
  updateReconciliationRun,
  upsertReconciliationItems,
  voiceQualityScored,
  type FoundItem,
  type ReconciliationRun,
  type ReconciliationRunPatch,
} from '../db/queries/reconciliation.js';
import { heartbeat } from '@temporalio/activity';
import { requireTenant, type Tenant } from '../db/queries/tenants.js';
import type { MissingPage, ReconcileFamily, ReconcileKey, ReconcileProgress, ReconcileStep } from '../reconciliation/types.js';
import { ZoomDailyLimitError, type Listing, type ZoomClient } from '../zoom/index.js';
import type { ActivityDeps } from './deps.js';
import { mappingFailures } from './failures.js';

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
    await updateReconciliationRun(deps.db, key.tenantId, runKey(key), {}, { pages: listing.stats.pages, heavyCalls: listing.stats.pages });
  }
}

export const createReconciliationActivities = (deps: ActivityDeps) => ({
  /** Starts (or re-checks) the day: the walk starts over, what was not archived is checked again. */
  async beginReconciliation(key: ReconcileKey): Promise<ReconcileProgress> {
    return mappingFailures(async () => progressOf(deps, key, await beginReconciliationRun(deps.db, key.tenantId, runKey(key))));
  },

  /** Records the run's status as the workflow sees it (running again after a sleep, finished, cancelled). */
  async saveReconciliationStatus(input: ReconcileKey & { status: 'running' | 'finished' | 'cancelled' | 'failed'; error?: string }): Promise<ReconcileProgress> {
    return mappingFailures(async () => {
      const patch: ReconciliationRunPatch = { status: input.status, pausedUntil: null };
      if (input.status !== 'running') patch.finishedAt = new Date();
      if (input.status === 'finished') patch.phase = 'done';
      if (input.error) patch.lastError = input.error;
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
