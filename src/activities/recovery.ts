import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { getListedMeeting, listedMeetingsBetween, upsertListedMeetings } from '../db/queries/listed-meetings.js';
import { getMediaFile, listMediaFiles, reopenFailedFile, trackListedFilesOfMeetings } from '../db/queries/media-files.js';
import { listedCallIdsBetween } from '../db/queries/phone-calls.js';
import { listRecordedUsers } from '../db/queries/recorded-users.js';
import {
  addRecoveryItems,
  cancelRecoveryRequest,
  fileRecoveryRequest,
  getRecoveryRequest,
  listRecoveryItems,
  listRecoveryRequests,
  nextActiveRecoveryRequest,
  recoveryCounts,
  RecoveryRequestIdTakenError,
  updateRecoveryItem,
  updateRecoveryRequest,
  type RecoveryItem,
  type RecoveryItemInput,
  type RecoveryRequest,
} from '../db/queries/recovery.js';
import { enabledMeetingSources, requireTenant, type Tenant } from '../db/queries/tenants.js';
import type { MeetingRef, MeetingSource, SyncSource } from '../ingest/types.js';
import type { RecoveryOrder } from '../recovery/requests.js';
import type { RecoveryProgress, RecoveryRequestSummary, RecoveryWork } from '../recovery/types.js';
import { meetingWorkflowId, phoneCallWorkflowId } from '../workflows/ids.js';
import { isZoomError, type ZoomClient } from '../zoom/index.js';
import type { ActivityDeps } from './deps.js';
import { mappingFailures } from './failures.js';
import { endedInstances, findHeldMeeting, sourcesInWords } from './held-meeting.js';
import { configuredUsersOf, describeUsersNotListed, listMeetingWindow, type ConfiguredUsers, type UserListingError } from './meeting-listing.js';
import { createPhoneSyncActivities } from './phone-listing.js';

// The recovery workflow's activities (src/workflows/recovery.ts): file a request, list a time
// frame into items, examine items a page at a time (ask Zoom what exists, compare with what is
// stored, and say which ingests to start), settle items from the archive's own rows, and report
// progress. Requests and items live in the database; the workflow carries ids only.

/** Requests shown by the `progress` query: every one not done, and the latest few done. */
const PROGRESS_REQUESTS = 10;

/**
 * Whether the meeting or call has a file still to be archived (waiting, or failed: those are
 * reopened so its ingest tries them again). Stored and deliberately skipped files are done.
 */
async function reopenUnarchived(deps: ActivityDeps, tenantId: string, platformCallId: string): Promise<boolean> {
  const open = (await listMediaFiles(deps.db, tenantId, { platformCallId })).filter((f) => f.state === 'pending' || f.state === 'failed');
  for (const f of open) if (f.state === 'failed') await reopenFailedFile(deps.db, tenantId, f.zoomFileId);
  return open.length > 0;
}

async function summaries(deps: ActivityDeps, tenantId: string, requests: RecoveryRequest[]): Promise<RecoveryRequestSummary[]> {
  const counts = await recoveryCounts(deps.db, tenantId, requests.map((r) => r.id));
  return requests.map((r) => ({
    requestId: r.id, kind: r.kind, source: r.source, status: r.status, requestedBy: r.requestedBy,
    ...(r.windowFrom ? { from: r.windowFrom.toISOString() } : {}),
    ...(r.windowTo ? { to: r.windowTo.toISOString() } : {}),
    ...(r.lastError ? { error: r.lastError } : {}),
    ...counts.get(r.id)!,
  }));
}

export async function recoveryProgressOf(deps: ActivityDeps, tenantId: string): Promise<RecoveryProgress> {
  const active = [
    ...await listRecoveryRequests(deps.db, tenantId, { status: 'running', limit: PROGRESS_REQUESTS }),
    ...await listRecoveryRequests(deps.db, tenantId, { status: 'queued', limit: PROGRESS_REQUESTS }),
  ];
  const recent = await listRecoveryRequests(deps.db, tenantId, { limit: PROGRESS_REQUESTS });
  const shown = [...new Map([...active, ...recent].map((r) => [r.id, r])).values()].slice(0, PROGRESS_REQUESTS);
  return { tenantId, requests: await summaries(deps, tenantId, shown) };
}

/** The items a request starts with: a CSV's meetings, or the failed files to retry. */
async function initialItems(deps: ActivityDeps, tenantId: string, order: RecoveryOrder): Promise<RecoveryItemInput[]> {
  if (order.kind === 'meetings') return [...new Set(order.refs)].map((meetingRef) => ({ meetingRef, source: order.source ?? null }));
  if (order.kind !== 'files') return [];
  const files = order.zoomFileIds && order.zoomFileIds.length > 0
    ? (await Promise.all([...new Set(order.zoomFileIds)].map((id) => getMediaFile(deps.db, tenantId, id)))).map((f, i) => f ?? order.zoomFileIds![i]!)
    : await listMediaFiles(deps.db, tenantId, { state: 'failed' });
  return files.map((f) => typeof f === 'string'
    // A file id the archive does not know: kept as an item, so support sees it reported not found.
    ? { meetingRef: f, zoomFileId: f }
    : { meetingRef: f.platformCallId, zoomFileId: f.zoomFileId, ...(f.sourcePlatform === 'Zoom Phone' ? { source: 'phone' as const } : {}) });
}

export const createRecoveryActivities = (deps: ActivityDeps) => {
  /**
   * One item, examined: the state it ends in, or the ingest it needs. A meeting number becomes one
   * item per instance (added to the request, examined in a later page).
   */
  async function examine(
    { zoom, configured }: { zoom: () => Promise<ZoomClient>; configured: () => Promise<ConfiguredUsers> },
    tenant: Tenant,
    request: RecoveryRequest,
    item: RecoveryItem,
  ): Promise<RecoveryWork | null> {
    const update = (patch: Parameters<typeof updateRecoveryItem>[3]) => updateRecoveryItem(deps.db, tenant.id, item.id, patch);
    const missing = async (work: RecoveryWork) => {
      await update({ state: 'started', foundMissing: true, workflowId: work.workflowId, ...(work.kind === 'meeting' ? { source: work.source, meetingUuid: work.meeting.uuid, zoomMeetingId: work.meeting.meetingNumber } : { source: 'phone' }) });
      return work;
    };

    // A retried file: the file itself decides.
    if (item.zoomFileId) {
      const file = await getMediaFile(deps.db, tenant.id, item.zoomFileId);
      if (!file) return (await update({ state: 'not_found', error: `the archive has no file '${item.zoomFileId}'` }), null);
      if (file.state === 'stored') return (await update({ state: 'already_archived' }), null);
      if (file.state === 'skipped') return (await update({ state: 'already_archived', error: `skipped on purpose: ${file.skipReason ?? 'no reason recorded'}` }), null);
      if (file.state === 'failed') await reopenFailedFile(deps.db, tenant.id, file.zoomFileId);
      if (file.sourcePlatform === 'Zoom Phone') return missing({ kind: 'call', itemIds: [item.id], callId: file.platformCallId, workflowId: phoneCallWorkflowId(tenant.id, file.platformCallId) });
      const meeting = await getListedMeeting(deps.db, tenant.id, file.platformCallId);
      if (!meeting) return (await update({ state: 'failed', error: 'reopened, but its meeting was never listed here: the next sync of its source takes it' }), null);
      const { source, ...ref } = meeting;
      return missing({ kind: 'meeting', itemIds: [item.id], source, meeting: ref, workflowId: meetingWorkflowId(tenant.id, ref.uuid) });
    }

    // A call of a phone time frame: listed just now, so the archive's rows say what is missing.
    if (item.source === 'phone') {
      if (!(await reopenUnarchived(deps, tenant.id, item.meetingRef))) return (await update({ state: 'already_archived' }), null);
      return missing({ kind: 'call', itemIds: [item.id], callId: item.meetingRef, workflowId: phoneCallWorkflowId(tenant.id, item.meetingRef) });
    }

    // A meeting number stands for every instance held under it.
    if (/^\d+$/.test(item.meetingRef)) {
      const instances = await endedInstances(await zoom(), item.meetingRef);
      if (instances.length === 0) return (await update({ state: 'not_found', zoomMeetingId: item.meetingRef, error: `Zoom holds no ended instance of meeting ${item.meetingRef}` }), null);
      await addRecoveryItems(deps.db, tenant.id, request.id, instances.map((uuid) => ({ meetingRef: uuid, meetingUuid: uuid, zoomMeetingId: item.meetingRef, source: item.source })));
      await update({ state: 'expanded', zoomMeetingId: item.meetingRef });
      return null;
    }

    // A meeting UUID. A time frame's meetings were just listed with their files; any other is asked of Zoom.
    const sources = item.source ? [item.source as MeetingSource] : request.source ? [request.source as MeetingSource] : enabledMeetingSources(tenant);
    const listed = request.kind === 'timeframe' ? await getListedMeeting(deps.db, tenant.id, item.meetingRef) : undefined;
    let found: { source: MeetingSource; meeting: MeetingRef } | undefined = listed ? { source: listed.source, meeting: listed } : undefined;
    let notOurs = false;
    if (!found) {
      const held = await findHeldMeeting(await zoom(), tenant.id, sources, item.meetingRef, await configured());
      if ('missing' in held) notOurs = held.missing === 'not_ours';
      else {
        await upsertListedMeetings(deps.db, tenant.id, held.source, [held.held.ref]);
        await trackListedFilesOfMeetings(deps.db, tenant.id, [{ meetingUuid: held.held.ref.uuid, files: held.held.files }]);
        found = { source: held.source, meeting: held.held.ref };
      }
    }
    if (!found) {
      return (await update(notOurs
        ? { state: 'not_ours', error: 'no configured user hosted this meeting or has a recording in it' }
        : { state: 'not_found', error: `Zoom holds no ${sourcesInWords(sources)} of this meeting` }), null);
    }
    if (!(await reopenUnarchived(deps, tenant.id, found.meeting.uuid))) {
      return (await update({ state: 'already_archived', source: found.source, meetingUuid: found.meeting.uuid, zoomMeetingId: found.meeting.meetingNumber }), null);
    }
    return missing({ kind: 'meeting', itemIds: [item.id], source: found.source, meeting: found.meeting, workflowId: meetingWorkflowId(tenant.id, found.meeting.uuid) });
  }

  return {
    /**
     * Files a request (idempotent by its id) with its first items. An id another tenant holds fails
     * non-retryable (RecoveryRequestIdTakenError): asking again cannot help, the workflow refuses it.
     */
    async fileRecovery(input: { tenantId: string; order: RecoveryOrder }): Promise<{ requestId: string; created: boolean }> {
      return mappingFailures(async () => {
        const { order } = input;
        await requireTenant(deps.db, input.tenantId);
        try {
          const { request, created } = await fileRecoveryRequest(deps.db, input.tenantId, {
            id: order.requestId,
            kind: order.kind,
            source: order.kind === 'files' ? null : order.source ?? null,
            requestedBy: order.requestedBy,
            reason: order.reason ?? null,
            ...(order.kind === 'timeframe' ? { windowFrom: new Date(order.from), windowTo: new Date(order.to) } : {}),
            items: await initialItems(deps, input.tenantId, order),
          });
          return { requestId: request.id, created };
        } catch (err) {
          if (err instanceof RecoveryRequestIdTakenError) throw ApplicationFailure.nonRetryable(err.message, err.name);
          throw err;
        }
      });
    },

    async cancelRecovery(input: { tenantId: string; requestId: string }): Promise<{ cancelled: boolean }> {
      const request = await cancelRecoveryRequest(deps.db, input.tenantId, input.requestId);
      return { cancelled: request?.status === 'cancelled' };
    },

    /** The oldest request not done (marked running), or null when the queue is empty. */
    async nextRecoveryRequest(input: { tenantId: string }): Promise<{ requestId: string; kind: RecoveryRequest['kind']; listed: boolean } | null> {
      const next = await nextActiveRecoveryRequest(deps.db, input.tenantId);
      if (!next) return null;
      if (next.status === 'queued') await updateRecoveryRequest(deps.db, input.tenantId, next.id, { status: 'running' });
      return { requestId: next.id, kind: next.kind, listed: next.listed };
    },

    /**
     * A time frame, listed from Zoom into the database (meetings and their files, or calls and
     * their recordings), and its meetings or calls added to the request as items. Heartbeats.
     */
    async listRecoveryTimeframe(input: { tenantId: string; requestId: string }): Promise<{ items: number }> {
      return mappingFailures(async () => {
        const tenant = await requireTenant(deps.db, input.tenantId);
        const request = await getRecoveryRequest(deps.db, tenant.id, input.requestId);
        if (!request?.windowFrom || !request.windowTo) throw new Error(`recovery request ${input.requestId} of tenant '${tenant.id}' has no time frame`);
        const { windowFrom: from, windowTo: to } = request;
        let items: RecoveryItemInput[];
        const refused = { usersNotListed: 0, userErrors: [] as UserListingError[] };
        if (request.source === 'phone') {
          await createPhoneSyncActivities(deps).listPhoneCalls({ tenantId: tenant.id, from: from.toISOString(), to: to.toISOString() });
          items = (await listedCallIdsBetween(deps.db, tenant.id, from, to)).map((callId) => ({ meetingRef: callId, source: 'phone' as SyncSource }));
        } else {
          const zoom = await deps.zoom.forTenant(tenant.id);
          const users = await listRecordedUsers(deps.db, tenant.id, { enabledOnly: true });
          items = [];
          try {
            for (const source of request.source ? [request.source as MeetingSource] : enabledMeetingSources(tenant)) {
              const { usersNotListed, userErrors } = await listMeetingWindow({ db: deps.db, zoom, tenantId: tenant.id, users, from, to }, source);
              refused.usersNotListed += usersNotListed;
              refused.userErrors.push(...userErrors);
              heartbeat({ source });
              items.push(...(await listedMeetingsBetween(deps.db, tenant.id, source, from, to)).map((m) => ({
                meetingRef: m.uuid, meetingUuid: m.uuid, zoomMeetingId: m.meetingNumber, source,
              })));
            }
          } finally {
            await deps.zoom.flushUsage(tenant.id);
          }
        }
        await addRecoveryItems(deps.db, tenant.id, request.id, items);
        // The users Zoom refused are the request's error from now on: it ends finished_with_errors.
        const lastError = refused.usersNotListed === 0 ? null
          : `${refused.usersNotListed} configured user(s) not listed, Zoom refused them: ${describeUsersNotListed(refused)}`;
        await updateRecoveryRequest(deps.db, tenant.id, request.id, { listed: true, lastError });
        return { items: items.length };
      });
    },

    /**
     * Examines up to `limit` waiting items of a request. Returns the ingests to start (one per
     * meeting or call, whatever the number of its items) and whether items are still waiting.
     * A cancelled request examines nothing.
     */
    async examineRecoveryItems(input: { tenantId: string; requestId: string; limit: number }): Promise<{ work: RecoveryWork[]; more: boolean; cancelled: boolean }> {
      return mappingFailures(async () => {
        const tenant = await requireTenant(deps.db, input.tenantId);
        const request = await getRecoveryRequest(deps.db, tenant.id, input.requestId);
        if (!request || request.status === 'cancelled') return { work: [], more: false, cancelled: true };
        const items = await listRecoveryItems(deps.db, tenant.id, request.id, { state: 'pending', limit: input.limit });
        // Asked for once per page, and only by the items that need them.
        let client: ZoomClient | undefined;
        let users: ConfiguredUsers | undefined;
        const lookups = {
          zoom: async () => (client ??= await deps.zoom.forTenant(tenant.id)),
          configured: async () => (users ??= configuredUsersOf(await listRecordedUsers(deps.db, tenant.id, { enabledOnly: true }))),
        };
        const byWorkflow = new Map<string, RecoveryWork>();
        try {
          for (const item of items) {
            let work: RecoveryWork | null;
            try {
              work = await examine(lookups, tenant, request, item);
            } catch (err) {
              // Zoom's final "no" about this one meeting fails the item, not the request; a
              // transient error or a spent quota fails the activity, which is retried.
              if (!isZoomError(err) || err.retryable) throw err;
              await updateRecoveryItem(deps.db, tenant.id, item.id, { state: 'failed', error: err.message.slice(0, 500) });
              work = null;
            }
            heartbeat({ examined: item.id });
            if (!work) continue;
            const same = byWorkflow.get(work.workflowId);
            if (same) same.itemIds.push(...work.itemIds);
            else byWorkflow.set(work.workflowId, work);
          }
        } finally {
          if (client) await deps.zoom.flushUsage(tenant.id);
        }
        const more = (await listRecoveryItems(deps.db, tenant.id, request.id, { state: 'pending', limit: 1 })).length > 0;
        return { work: [...byWorkflow.values()], more, cancelled: false };
      });
    },

    /**
     * Sets started items from the archive's own rows: archived once every file of theirs is
     * stored (or skipped on purpose), failed with the file's error. `final`: their ingest has
     * ended, so a file still waiting will not be archived by it (Zoom still processing it, say).
     */
    async settleRecoveryItems(input: { tenantId: string; requestId: string; itemIds?: string[]; final?: boolean }): Promise<{ inProgress: number }> {
      const started = (await listRecoveryItems(deps.db, input.tenantId, input.requestId, { state: 'started' }))
        .filter((i) => !input.itemIds || input.itemIds.includes(i.id));
      let inProgress = 0;
      for (const item of started) {
        const files = item.zoomFileId
          ? [await getMediaFile(deps.db, input.tenantId, item.zoomFileId)].filter((f) => f !== undefined)
          : await listMediaFiles(deps.db, input.tenantId, { platformCallId: item.meetingUuid ?? item.meetingRef });
        const failed = files.find((f) => f.state === 'failed');
        const waiting = files.filter((f) => f.state === 'pending');
        if (failed) await updateRecoveryItem(deps.db, input.tenantId, item.id, { state: 'failed', error: failed.lastError ?? 'a file failed' });
        else if (waiting.length === 0) await updateRecoveryItem(deps.db, input.tenantId, item.id, { state: 'archived', error: null });
        else if (input.final) {
          const processing = waiting.filter((f) => f.zoomStatus !== 'completed').length;
          await updateRecoveryItem(deps.db, input.tenantId, item.id, {
            state: 'failed',
            error: processing > 0
              ? `${processing} file(s) still processing at Zoom: the next sync archives them`
              : `${waiting.length} file(s) not archived by ${item.workflowId ?? 'its ingest'}`,
          });
        } else inProgress += 1;
      }
      return { inProgress };
    },

    /**
     * Ends a request (unless cancelled meanwhile) and returns the tenant's progress: failed with
     * `error`, finished_with_errors when its listing left users out (named in its last error), else finished.
     */
    async finishRecoveryRequest(input: { tenantId: string; requestId: string; error?: string }): Promise<RecoveryProgress> {
      const request = await getRecoveryRequest(deps.db, input.tenantId, input.requestId);
      if (request && request.status !== 'cancelled') {
        const status = input.error ? 'failed' : request.lastError ? 'finished_with_errors' : 'finished';
        await updateRecoveryRequest(deps.db, input.tenantId, input.requestId, {
          status, finishedAt: new Date(), lastError: input.error ?? request.lastError,
        });
      }
      return recoveryProgressOf(deps, input.tenantId);
    },

    async recoveryProgress(input: { tenantId: string }): Promise<RecoveryProgress> {
      return recoveryProgressOf(deps, input.tenantId);
    },
  };
};
