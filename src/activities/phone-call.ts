import { upsertConversation } from '../db/queries/conversations.js';
import { listMediaFiles, markFilesSkipped, markMediaFileFailed } from '../db/queries/media-files.js';
import { attributeRecordings, getListedCall, listCallRecordings, saveCallParties, type ListedCallRow, type PhoneRecordingRow } from '../db/queries/phone-calls.js';
import { findRecordedUsers } from '../db/queries/recorded-users.js';
import { requireTenant } from '../db/queries/tenants.js';
import { SKIP_REASONS } from '../db/schema/media-files.js';
import { mediaOutcome } from '../ingest/media-outcome.js';
import { buildPhoneCdr, partiesFromCallPath, type CallParties, type CallParty } from '../ingest/phone-cdr.js';
import { RecordedUserMatcher } from '../ingest/phone-recordings.js';
import type { IngestPhoneCallInput } from '../ingest/types.js';
import { DEFAULT_FILE_RETRY_HOURS } from '../workflows/retry-policies.js';
import { ZoomNotFoundError, type ZoomClient } from '../zoom/index.js';
import type { ActivityDeps } from './deps.js';
import { mappingFailures } from './failures.js';
import { SMALL_FILE_BYTES } from './meeting.js';

export interface PhoneCallPlan {
  /** Configured users with a recording of the call; 0 when none (nothing is archived then). */
  recordedUserCount: number;
  /** Recording ids to download now. */
  filesToArchive: string[];
  /** Those likely small enough to be archived together in one activity. */
  smallFiles: string[];
  alreadyStored: number;
  fileRetryHours: number;
}

/**
 * Zoom lists no size for phone recordings: a recording is taken for small by its length, at a
 * bit rate above what Zoom Phone records (MP3, well under 256 kbit/s).
 */
const ASSUMED_BYTES_PER_SECOND = 32 * 1024;

export class UntrackedCallError extends Error {
  override name = 'UntrackedCallError';
  constructor(tenantId: string, callId: string) {
    super(`phone call '${callId}' of tenant '${tenantId}' is not tracked: a listing or webhook records it before its ingest starts`);
  }
}

export const createPhoneCallActivities = (deps: ActivityDeps) => ({
  /**
   * Works out who was on each leg of the call (one light call to Zoom; two when the listing did
   * not name the call's history), which configured user each recording is archived for, and
   * which recordings to download.
   */
  async preparePhoneCall({ tenantId, callId }: IngestPhoneCallInput): Promise<PhoneCallPlan> {
    return mappingFailures(async () => {
      const tenant = await requireTenant(deps.db, tenantId);
      const call = await getListedCall(deps.db, tenantId, callId);
      if (!call) throw new UntrackedCallError(tenantId, callId);
      const recordings = await listCallRecordings(deps.db, tenantId, callId);
      let fetched: Awaited<ReturnType<typeof callParties>> = null;
      if (!call.parties) {
        const zoom = await deps.zoom.forTenant(tenantId);
        try {
          fetched = await callParties(zoom, call, recordings);
        } finally {
          await deps.zoom.flushUsage(tenantId);
        }
        if (fetched) await saveCallParties(deps.db, tenantId, callId, fetched);
      }
      const legs = call.parties ?? fetched?.parties ?? null;

      // Only the call's own people are looked up: a tenant may configure thousands of users.
      const people = [...(legs?.legs.flatMap((l) => [l.caller, l.callee]) ?? [])];
      const users = new RecordedUserMatcher(await findRecordedUsers(deps.db, tenantId, {
        zoomUserIds: [...recordings.flatMap((r) => [r.recordedUserId ?? '', r.ownerId ?? '']), ...people.map((p) => p.zoomUserId ?? '')],
        emails: people.map((p) => p.email ?? ''),
        extensions: [...recordings.flatMap((r) => [r.ownerExtension ?? '', r.takerExtension ?? '']), ...people.map((p) => p.extension ?? '')],
      }, { enabledOnly: true }));
      const found: { recordingId: string; zoomUserId: string }[] = [];
      const whose = new Map<string, string>();
      for (const rec of recordings) {
        const user = rec.recordedUserId ? users.match({ zoomUserId: rec.recordedUserId }) : takerOnLegs(rec, call, legs, users);
        if (!user) continue;
        whose.set(rec.recordingId, user.zoomUserId);
        if (rec.recordedUserId !== user.zoomUserId) found.push({ recordingId: rec.recordingId, zoomUserId: user.zoomUserId });
      }
      await attributeRecordings(deps.db, tenantId, found);

      const files = await listMediaFiles(deps.db, tenantId, { platformCallId: callId });
      // A recording no configured (and enabled) user was on is never downloaded; it says why.
      await markFilesSkipped(deps.db, tenantId, files.filter((f) => f.state === 'pending' && !whose.has(f.zoomFileId)).map((f) => f.zoomFileId), SKIP_REASONS.noRecordedUser);
      const fileRetryHours = tenant.options.fileRetryHours ?? DEFAULT_FILE_RETRY_HOURS;
      const ours = files.filter((f) => whose.has(f.zoomFileId));
      const open = ours.filter((f) => f.state === 'pending');
      const seconds = new Map(recordings.map((r) => [r.recordingId, r.durationSeconds]));
      return {
        recordedUserCount: new Set(whose.values()).size,
        filesToArchive: open.map((f) => f.zoomFileId),
        smallFiles: open.filter((f) => (seconds.get(f.zoomFileId) ?? Infinity) * ASSUMED_BYTES_PER_SECOND <= SMALL_FILE_BYTES).map((f) => f.zoomFileId),
        alreadyStored: ours.filter((f) => f.state === 'stored').length,
        fileRetryHours,
      };
    });
  },

  /** One CDR per configured user with a recording of the call; writing the same record again changes nothing. */
  async writePhoneCdrs({ tenantId, callId }: { tenantId: string; callId: string }): Promise<number> {
    return mappingFailures(async () => {
      const tenant = await requireTenant(deps.db, tenantId);
      const call = await getListedCall(deps.db, tenantId, callId);
      if (!call) throw new UntrackedCallError(tenantId, callId);
      const recordings = (await listCallRecordings(deps.db, tenantId, callId)).filter((r) => r.recordedUserId !== null);
      const users = await findRecordedUsers(deps.db, tenantId, { zoomUserIds: recordings.map((r) => r.recordedUserId!) });
      const files = await listMediaFiles(deps.db, tenantId, { platformCallId: callId });
      let written = 0;
      for (const user of users) {
        const theirs = recordings.filter((r) => r.recordedUserId === user.zoomUserId);
        if (theirs.length === 0) continue;
        // The extension Zoom gave on the user's own recordings, where the configuration has none.
        const zoomExtension = theirs.map((r) => (r.ownerType === 'user' ? r.ownerExtension : r.takerExtension)).find((e) => e);
        const cdr = buildPhoneCdr({
          call,
          parties: call.parties,
          user: { zoomUserId: user.zoomUserId, name: user.name, email: user.email, extension: user.phoneExtension ?? zoomExtension ?? null },
          recordings: theirs,
          internalNumberPatterns: tenant.internalNumberPatterns,
          location: deps.location,
        });
        const theirFiles = files.filter((f) => theirs.some((r) => r.recordingId === f.zoomFileId));
        await upsertConversation(deps.db, tenantId, { ...cdr, ...mediaOutcome(theirFiles) });
        written += 1;
      }
      return written;
    });
  },

  /** Marks every recording of the call still waiting as failed with `error`; returns how many. */
  async recordCallFailure({ tenantId, callId, error }: { tenantId: string; callId: string; error: string }): Promise<number> {
    const waiting = await listMediaFiles(deps.db, tenantId, { platformCallId: callId, state: 'pending' });
    for (const file of waiting) await markMediaFileFailed(deps.db, tenantId, file.zoomFileId, `call could not be archived: ${error}`);
    return waiting.length;
  },
});

/**
 * The call's legs from Zoom, or null when Zoom no longer keeps its history (the CDR then comes
 * from the recordings alone). Zoom quirk: the account's recordings list names a recording's call
 * element but not the call's history, so the element is asked for it first.
 */
async function callParties(zoom: ZoomClient, call: ListedCallRow, recordings: PhoneRecordingRow[]): Promise<{ parties: CallParties; callHistoryUuid: string } | null> {
  try {
    let uuid = call.callHistoryUuid;
    const elementId = call.callElementId ?? recordings.find((r) => r.callElementId)?.callElementId;
    if (!uuid && elementId) uuid = (await zoom.getPhoneCallElement(elementId)).call_history_uuid;
    if (!uuid) return null;
    return { parties: partiesFromCallPath(await zoom.getPhoneCallHistory(uuid)), callHistoryUuid: uuid };
  } catch (err) {
    if (err instanceof ZoomNotFoundError) return null;
    throw err;
  }
}

/**
 * The configured user who took the leg a recording was made on, for a recording Zoom did not put
 * under a user (an auto receptionist's, a queue's without the agent named): the leg's callee on an
 * inbound call, its caller on an outbound one, else the other side.
 */
function takerOnLegs(rec: PhoneRecordingRow, call: ListedCallRow, legs: CallParties | null, users: RecordedUserMatcher) {
  if (rec.takerExtension) {
    const named = users.match({ extension: rec.takerExtension });
    if (named) return named;
  }
  const leg = legs?.legs.find((l) => l.recordingId === rec.recordingId);
  if (!leg) return undefined;
  const sides: CallParty[] = call.zoomDirection === 'outbound' ? [leg.caller, leg.callee] : [leg.callee, leg.caller];
  for (const side of sides) {
    const user = users.match(side);
    if (user) return user;
  }
  return undefined;
}
