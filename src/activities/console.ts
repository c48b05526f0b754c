import { ApplicationFailure } from '@temporalio/common';
import { getListedCall, partyLabel } from '../db/queries/phone-calls.js';
import { listRecordedUsers } from '../db/queries/recorded-users.js';
import { signalRecovery, type RecoverySignal } from '../recovery/submit.js';
import { enabledMeetingSources, enabledSources, getTenant, listTenants, type Tenant } from '../db/queries/tenants.js';
import type { MeetingRef, MeetingSource, SyncSource } from '../ingest/types.js';
import type { CallParties } from '../workflows/summaries.js';
import type { ActivityDeps } from './deps.js';
import { mappingFailures } from './failures.js';
import { endedInstances, findHeldMeeting, sourcesInWords } from './held-meeting.js';
import { configuredUsersOf } from './meeting-listing.js';

// What a workflow started by hand (the Temporal UI, `temporal workflow start`) looks up from the
// few fields a person knows: is the tenant there and does it import that source; which meeting
// instances a UUID or a meeting number stands for. Every "no" is a non-retryable failure whose
// message says what was wrong and what is valid, so the workflow fails at once, readably.

export const CONSOLE_FAILURES = {
  unknownTenant: 'UnknownTenant',
  sourceNotEnabled: 'SourceNotEnabled',
  meetingNotFound: 'MeetingNotFound',
  callNotFound: 'CallNotFound',
  notConfigured: 'ConsoleNotConfigured',
} as const;

export const createConsoleActivities = (deps: ActivityDeps) => {
  async function requireConsoleTenant(tenantId: string, source?: SyncSource): Promise<Tenant> {
    const tenant = await getTenant(deps.db, tenantId);
    if (!tenant) {
      const known = (await listTenants(deps.db)).map((t) => t.id);
      throw ApplicationFailure.nonRetryable(
        `unknown tenant "${tenantId}"; the tenants are: ${known.slice(0, 20).join(', ') || 'none yet'}${known.length > 20 ? ', …' : ''}`,
        CONSOLE_FAILURES.unknownTenant,
      );
    }
    const enabled = enabledSources(tenant);
    if (source && !enabled.includes(source)) {
      throw ApplicationFailure.nonRetryable(`tenant "${tenantId}" does not import ${source}; it imports: ${enabled.join(', ') || 'nothing'}`, CONSOLE_FAILURES.sourceNotEnabled);
    }
    return tenant;
  }

  return {
    /**
     * The tenant exists (and imports `source`, when given; and has listed `callId`, when given);
     * its sources. A local activity: it answers in the workflow's first task.
     */
    async checkConsoleTenant(input: { tenantId: string; source?: SyncSource; callId?: string }): Promise<{ sources: SyncSource[]; call?: { startTime: string } & CallParties }> {
      const tenant = await requireConsoleTenant(input.tenantId, input.source);
      if (!input.callId) return { sources: enabledSources(tenant) };
      const call = await getListedCall(deps.db, tenant.id, input.callId);
      if (!call) {
        throw ApplicationFailure.nonRetryable(
          `tenant "${tenant.id}" has no listed call "${input.callId}": a phone sync lists it (or a recovery of its time frame: recoverTimeframe with source "phone")`,
          CONSOLE_FAILURES.callNotFound,
        );
      }
      return { sources: enabledSources(tenant), call: { startTime: call.startTime.toISOString(), caller: partyLabel(call.callerName, call.callerNumber), callee: partyLabel(call.calleeName, call.calleeNumber) } };
    },

    /** Sends a request to the tenant's recovery workflow (signal-with-start), for a recovery started by hand under another ID. */
    async submitRecovery(input: { tenantId: string; signal: RecoverySignal }): Promise<{ workflowId: string }> {
      if (!deps.temporal) throw ApplicationFailure.nonRetryable('this worker has no Temporal client to send recoveries with', CONSOLE_FAILURES.notConfigured);
      return { workflowId: await signalRecovery(deps.temporal, input.tenantId, input.signal) };
    },

    /**
     * The meeting instances a UUID or a meeting number stands for, with the source that holds
     * each (the one asked for, else archiving, then cloud recordings), kept to configured users'
     * meetings. One light call per instance and source asked, plus a medium one for a number.
     */
    async resolveConsoleMeetings(input: { tenantId: string; meetingUuid?: string; meetingId?: string; source?: MeetingSource }): Promise<{ source: MeetingSource; meeting: MeetingRef }[]> {
      return mappingFailures(async () => {
        const tenant = await requireConsoleTenant(input.tenantId, input.source);
        const zoom = await deps.zoom.forTenant(tenant.id);
        try {
          const uuids = input.meetingUuid ? [input.meetingUuid] : await endedInstances(zoom, input.meetingId!);
          if (uuids.length === 0) throw ApplicationFailure.nonRetryable(`Zoom holds no ended instance of meeting ${input.meetingId} in tenant "${tenant.id}"`, CONSOLE_FAILURES.meetingNotFound);
          const sources = input.source ? [input.source] : enabledMeetingSources(tenant);
          const configured = configuredUsersOf(await listRecordedUsers(deps.db, tenant.id, { enabledOnly: true }));
          const found: { source: MeetingSource; meeting: MeetingRef }[] = [];
          const missing: string[] = [];
          for (const uuid of uuids) {
            const held = await findHeldMeeting(zoom, tenant.id, sources, uuid, configured);
            if ('missing' in held) {
              missing.push(`${uuid}: ${held.missing === 'not_ours'
                ? 'no configured user hosted it or has a recording in it'
                : `Zoom holds no ${sourcesInWords(sources)} of it`}`);
            } else found.push({ source: held.source, meeting: held.held.ref });
          }
          if (found.length === 0) throw ApplicationFailure.nonRetryable(`nothing to archive in tenant "${tenant.id}": ${missing.join('; ')}`, CONSOLE_FAILURES.meetingNotFound);
          return found;
        } finally {
          await deps.zoom.flushUsage(tenant.id);
        }
      });
    },
  };
};
