import { createHash } from 'node:crypto';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptions, type ScheduleOptionsAction, type ScheduleSpec } from '@temporalio/client';
import type { Database } from '../db/client.js';
import { enabledSources, listTenants, type Tenant } from '../db/queries/tenants.js';
import { SYNC_SOURCES } from '../db/schema/sync.js';
import type { PhoneSyncInput, SyncSource, TenantSyncInput } from '../ingest/types.js';
import { csvIntakeScheduleId, reconcileScheduleId, syncScheduleId, syncWorkflowId } from '../workflows/ids.js';
import type { CsvIntakeInput } from '../workflows/csv-intake.js';
import { syncSummary } from '../workflows/summaries.js';
import type { ReconcileDaysInput } from '../workflows/reconcile-days.js';
import { ZoomSource, ZoomTenant } from '../workflows/search-attributes.js';

// One Temporal Schedule per tenant and source, one for the tenant's daily reconciliation and one
// for its CSV drop folder, made from the tenant's row in the database. Ops own
// them afterwards: pause, trigger now and backfill in the Web UI or `temporal schedule ...`.
// syncSchedules brings every schedule in line with the database: it creates what is missing,
// updates a changed interval (a paused schedule stays paused) and deletes the schedules of
// sources turned off and of tenants that are gone (on this deployment's task queue). It is idempotent and safe to run from several
// processes at once (`tenants apply`, every worker and API replica at start, `schedules sync`):
// a create that loses the race becomes an update, and an update writes the same content.

export interface ScheduleSettings {
  taskQueue: string;
  /** Random delay added to each run, so tenants on the same interval do not hit Zoom together. */
  jitterSeconds?: number;
  /** Runs missed while Temporal was down are still taken when they are at most this old. */
  catchupWindow?: string;
}

export interface ScheduleChanges {
  created: string[];
  updated: string[];
  deleted: string[];
  unchanged: string[];
}

const noChanges = (): ScheduleChanges => ({ created: [], updated: [], deleted: [], unchanged: [] });

/** The tenant of `sync:<tenant>:<source>`, `reconcile:<tenant>` or `csv:<tenant>`, for schedules this module made. */
function tenantOfScheduleId(scheduleId: string): string | undefined {
  const [kind, tenantId, source, ...rest] = scheduleId.split(':');
  if ((kind === 'reconcile' || kind === 'csv') && tenantId && source === undefined) return tenantId;
  if (kind !== 'sync' || !tenantId || rest.length > 0 || !SYNC_SOURCES.includes(source as SyncSource)) return undefined;
  return tenantId;
}

/** The UTC hour of the daily reconciliation, by default: after midnight, when Zoom's daily quota is fresh. */
export const DEFAULT_RECONCILE_HOUR_UTC = 2;

type BuiltSchedule = { spec: ScheduleSpec; action: ScheduleOptionsAction; policies: NonNullable<ScheduleOptions['policies']> };

const withFingerprint = (built: Omit<BuiltSchedule, 'action'> & { action: Omit<ScheduleOptionsAction, 'memo' | 'typedSearchAttributes'> }, searchAttributes: NonNullable<ScheduleOptionsAction['typedSearchAttributes']>): BuiltSchedule => {
  const fingerprint = createHash('sha256').update(JSON.stringify(built)).digest('hex').slice(0, 16);
  return { ...built, action: { ...built.action, typedSearchAttributes: searchAttributes, memo: { [FINGERPRINT_MEMO_KEY]: fingerprint } } as ScheduleOptionsAction };
};

/**
 * The daily reconciliation (src/workflows/reconcile-days.ts): at the tenant's hour, it reconciles
 * the day before the scheduled time and re-checks the one before that. Runs may overlap: one waits
 * for its days, which may sleep for the quota past the next run's hour, and each day's own
 * workflow id already keeps a day from being reconciled twice at once.
 */
export function reconcileScheduleOf(tenant: Tenant, settings: ScheduleSettings): BuiltSchedule {
  const input: ReconcileDaysInput = { tenantId: tenant.id };
  return withFingerprint({
    spec: { calendars: [{ hour: tenant.options.reconciliation?.hourUtc ?? DEFAULT_RECONCILE_HOUR_UTC, minute: 0 }], jitter: '10m' },
    policies: { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: '6 hours' },
    action: {
      type: 'startWorkflow' as const, workflowType: 'reconcileDays', workflowId: reconcileScheduleId(tenant.id), taskQueue: settings.taskQueue, args: [input],
      staticSummary: `Daily reconciliation of tenant ${tenant.id}: yesterday and the day before`,
    },
  }, [{ key: ZoomTenant, value: tenant.id }]);
}

/** What ops call a tenant's schedules (the API's `/schedules/{schedule}`): its sources, `reconcile` and `csv`. */
export const TENANT_SCHEDULES = ['archiving', 'cloud_recordings', 'phone', 'reconcile', 'csv'] as const;
export type TenantScheduleName = (typeof TENANT_SCHEDULES)[number];

export const tenantScheduleId = (tenantId: string, name: TenantScheduleName): string =>
  name === 'reconcile' ? reconcileScheduleId(tenantId) : name === 'csv' ? csvIntakeScheduleId(tenantId) : syncScheduleId(tenantId, name);

/** How often a tenant's CSV drop folder is read, by default. */
export const DEFAULT_CSV_POLL_SECONDS = 60;

/** The CSV drop folder's reader (src/workflows/csv-intake.ts): support's files of meetings to recover. */
function csvIntakeScheduleOf(tenant: Tenant, settings: ScheduleSettings): BuiltSchedule {
  const input: CsvIntakeInput = { tenantId: tenant.id };
  return withFingerprint({
    spec: { intervals: [{ every: `${tenant.options.recovery?.csvPollSeconds ?? DEFAULT_CSV_POLL_SECONDS}s` }] },
    // A missed look is not worth catching up: the next one reads the same folder.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 minute' },
    action: {
      type: 'startWorkflow' as const, workflowType: 'csvIntake', workflowId: csvIntakeScheduleId(tenant.id), taskQueue: settings.taskQueue, args: [input],
      staticSummary: `CSV drop folder of tenant ${tenant.id}`,
    },
  }, [{ key: ZoomTenant, value: tenant.id }]);
}

/** Every schedule a tenant may have, with what it should be (null: it should not exist). */
function tenantSchedules(tenant: Tenant, settings: ScheduleSettings): { scheduleId: string; memo: Record<string, string>; schedule: BuiltSchedule | null }[] {
  const sources = enabledSources(tenant);
  const reconciles = sources.length > 0 && tenant.options.reconciliation?.enabled !== false;
  // CSV files list meetings: a tenant that imports no meeting source has no use for them.
  const readsCsv = sources.some((s) => s !== 'phone') && tenant.options.recovery?.csvIntake !== false;
  return [
    ...SYNC_SOURCES.map((source) => ({
      scheduleId: syncScheduleId(tenant.id, source),
      memo: { tenant: tenant.id, source },
      schedule: sources.includes(source) ? scheduleOf(tenant, source, settings) : null,
    })),
    { scheduleId: reconcileScheduleId(tenant.id), memo: { tenant: tenant.id }, schedule: reconciles ? reconcileScheduleOf(tenant, settings) : null },
    { scheduleId: csvIntakeScheduleId(tenant.id), memo: { tenant: tenant.id }, schedule: readsCsv ? csvIntakeScheduleOf(tenant, settings) : null },
  ];
}

// The schedule's own memo cannot be updated, so the fingerprint of the configuration a schedule
// was made from travels in its action's memo: a schedule whose fingerprint matches is left alone.
const FINGERPRINT_MEMO_KEY = 'scheduleConfig';

function scheduleOf(tenant: Tenant, source: SyncSource, settings: ScheduleSettings): BuiltSchedule {
  // Zoom Phone has its own sync workflow; the meeting sources share tenantSync.
  const input: TenantSyncInput | PhoneSyncInput = source === 'phone' ? { tenantId: tenant.id } : { tenantId: tenant.id, source };
  const spec: ScheduleSpec = {
    intervals: [{ every: `${tenant.pollIntervalSeconds}s` }],
    jitter: `${settings.jitterSeconds ?? Math.min(30, Math.floor(tenant.pollIntervalSeconds / 10))}s`,
  };
  const policies = {
    // Never two syncs of the same tenant and source at once.
    overlap: ScheduleOverlapPolicy.SKIP,
    catchupWindow: settings.catchupWindow ?? '10 minutes',
  };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: source === 'phone' ? 'phoneSync' : 'tenantSync',
    // Temporal appends the scheduled time: `sync:<tenant>:<source>-<time>`.
    workflowId: syncWorkflowId(tenant.id, source),
    taskQueue: settings.taskQueue,
    args: [input],
    staticSummary: syncSummary(tenant.id, source),
  };
  return withFingerprint({ spec, policies, action }, [
    { key: ZoomTenant, value: tenant.id },
    { key: ZoomSource, value: source },
  ]);
}

/** Creates, updates or deletes one tenant's schedules so they match its row. */
export async function applyTenantSchedules(client: Client, tenant: Tenant, settings: ScheduleSettings): Promise<ScheduleChanges> {
  const changes = noChanges();
  for (const { scheduleId, memo, schedule } of tenantSchedules(tenant, settings)) {
    if (!schedule) {
      if (await deleteSchedule(client, scheduleId)) changes.deleted.push(scheduleId);
      continue;
    }
    const { spec, action, policies } = schedule;
    try {
      await client.schedule.create({ scheduleId, spec, action, policies, memo });
      changes.created.push(scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      const handle = client.schedule.getHandle(scheduleId);
      const current = await handle.describe();
      const currentFingerprint = current.action.type === 'startWorkflow' ? current.action.memo?.[FINGERPRINT_MEMO_KEY] : undefined;
      if (currentFingerprint === action.memo?.[FINGERPRINT_MEMO_KEY]) {
        changes.unchanged.push(scheduleId);
        continue;
      }
      // `state` (paused or not, with its note) is carried over from what is there.
      await handle.update((previous) => ({ ...previous, spec, action, policies: { ...previous.policies, ...policies } }));
      changes.updated.push(scheduleId);
    }
  }
  return changes;
}

async function deleteSchedule(client: Client, scheduleId: string): Promise<boolean> {
  try {
    await client.schedule.getHandle(scheduleId).delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

/** Every tenant's schedules in line with the database, and the schedules of tenants no longer in it deleted. */
export async function syncSchedules(client: Client, db: Database, settings: ScheduleSettings): Promise<ScheduleChanges> {
  const changes = noChanges();
  const tenants = await listTenants(db);
  for (const tenant of tenants) {
    const applied = await applyTenantSchedules(client, tenant, settings);
    for (const kind of Object.keys(changes) as (keyof ScheduleChanges)[]) changes[kind].push(...applied[kind]);
  }
  const known = new Set(tenants.map((t) => t.id));
  for await (const schedule of client.schedule.list()) {
    const tenantId = tenantOfScheduleId(schedule.scheduleId);
    if (!tenantId || known.has(tenantId)) continue;
    // Another deployment (staging beside production) may share the namespace: only schedules that
    // feed this deployment's task queue are ours to delete.
    const described = await client.schedule.getHandle(schedule.scheduleId).describe();
    if (described.action.type !== 'startWorkflow' || described.action.taskQueue !== settings.taskQueue) continue;
    if (await deleteSchedule(client, schedule.scheduleId)) changes.deleted.push(schedule.scheduleId);
  }
  return changes;
}

/** One line per kind of change, for logs and the CLI: `created: sync:acme:archiving; unchanged: 3`. */
export function describeScheduleChanges(changes: ScheduleChanges): string {
  const parts = (['created', 'updated', 'deleted'] as const).filter((k) => changes[k].length > 0).map((k) => `${k}: ${changes[k].join(', ')}`);
  parts.push(`unchanged: ${changes.unchanged.length}`);
  return parts.join('; ');
}
