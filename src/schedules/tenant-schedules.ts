import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleOptionsAction, type ScheduleSpec } from '@temporalio/client';
import type { Tenant } from '../db/queries/tenants.js';
import type { MeetingSource, TenantSyncInput } from '../ingest/types.js';
import { syncScheduleId, syncWorkflowId } from '../workflows/ids.js';
import { ZoomSource, ZoomTenant } from '../workflows/search-attributes.js';

// One Temporal Schedule per tenant and source, made from configuration. Ops own them afterwards:
// pause, trigger now and backfill in the Web UI or `temporal schedule ...`; applying the
// configuration again updates the interval and action but leaves a paused schedule paused.

const MEETING_SOURCES: MeetingSource[] = ['archiving', 'cloud_recordings'];

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
}

const enabledSources = (tenant: Tenant): MeetingSource[] =>
  MEETING_SOURCES.filter((s) => (s === 'archiving' ? tenant.archivingEnabled : tenant.cloudRecordingsEnabled));

function scheduleOf(tenant: Tenant, source: MeetingSource, settings: ScheduleSettings): { spec: ScheduleSpec; action: ScheduleOptionsAction } {
  const input: TenantSyncInput = { tenantId: tenant.id, source };
  return {
    spec: {
      intervals: [{ every: `${tenant.pollIntervalSeconds}s` }],
      jitter: `${settings.jitterSeconds ?? Math.min(30, Math.floor(tenant.pollIntervalSeconds / 10))}s`,
    },
    action: {
      type: 'startWorkflow',
      workflowType: 'tenantSync',
      // Temporal appends the scheduled time: `sync:<tenant>:<source>-<time>`.
      workflowId: syncWorkflowId(tenant.id, source),
      taskQueue: settings.taskQueue,
      args: [input],
      typedSearchAttributes: [
        { key: ZoomTenant, value: tenant.id },
        { key: ZoomSource, value: source },
      ],
    },
  };
}

/** Creates, updates or deletes the tenant's schedules so they match its configuration. */
export async function applyTenantSchedules(client: Client, tenant: Tenant, settings: ScheduleSettings): Promise<ScheduleChanges> {
  const changes: ScheduleChanges = { created: [], updated: [], deleted: [] };
  const wanted = enabledSources(tenant);
  for (const source of MEETING_SOURCES) {
    const scheduleId = syncScheduleId(tenant.id, source);
    if (!wanted.includes(source)) {
      try {
        await client.schedule.getHandle(scheduleId).delete();
        changes.deleted.push(scheduleId);
      } catch (err) {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      }
      continue;
    }
    const { spec, action } = scheduleOf(tenant, source, settings);
    const policies = {
      // Never two syncs of the same tenant and source at once.
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: settings.catchupWindow ?? '10 minutes',
    };
    try {
      await client.schedule.create({ scheduleId, spec, action, policies, memo: { tenant: tenant.id, source } });
      changes.created.push(scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action, policies: { ...previous.policies, ...policies } }));
      changes.updated.push(scheduleId);
    }
  }
  return changes;
}
