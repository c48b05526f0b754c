import type { ListedFileInput } from '../db/queries/media-files.js';
import type { RecordedUser } from '../db/queries/recorded-users.js';
import type { listedCalls, phoneRecordings } from '../db/schema/phone-calls.js';
import { mediaKey } from '../storage/keys.js';
import type { PhoneRecording } from '../zoom/index.js';
import type { CallParty } from './phone-cdr.js';

// Turns Zoom Phone recording rows (the account's list, or a phone.recording_completed webhook)
// into what we track: the call, its recordings with whose they are, and their files. Only
// recordings of configured users are kept; how one is attributed is in docs/operations.md.

export type ListedCallInput = Omit<typeof listedCalls.$inferInsert, 'tenantId' | 'parties' | 'lastListedAt' | 'createdAt' | 'updatedAt'>;
export type PhoneRecordingInput = Omit<typeof phoneRecordings.$inferInsert, 'tenantId' | 'createdAt' | 'updatedAt'>;

export interface ListedCall {
  call: ListedCallInput;
  recordings: PhoneRecordingInput[];
  files: ListedFileInput[];
}

/** Looks configured users up by what Zoom Phone names people with: user id, extension, email. */
export class RecordedUserMatcher {
  private readonly byId = new Map<string, RecordedUser>();
  private readonly byExtension = new Map<string, RecordedUser>();
  private readonly byEmail = new Map<string, RecordedUser>();
  /** A configured user without an extension can only be recognised on the call's legs (id, email). */
  readonly someWithoutExtension: boolean;

  /**
   * `someWithoutExtension`: whether the tenant has such a user among all its users, when `users`
   * is only the ones a webhook's recordings name (default: worked out from `users`).
   */
  constructor(users: readonly RecordedUser[], someWithoutExtension?: boolean) {
    for (const u of users) {
      this.byId.set(u.zoomUserId, u);
      this.byEmail.set(u.email.toLowerCase(), u);
      if (u.phoneExtension) this.byExtension.set(u.phoneExtension, u);
    }
    this.someWithoutExtension = someWithoutExtension ?? users.some((u) => !u.phoneExtension);
  }

  match(party: Partial<Pick<CallParty, 'zoomUserId' | 'extension' | 'email'>>): RecordedUser | undefined {
    return (party.zoomUserId ? this.byId.get(party.zoomUserId) : undefined)
      ?? (party.extension ? this.byExtension.get(party.extension) : undefined)
      ?? (party.email ? this.byEmail.get(party.email.toLowerCase()) : undefined);
  }
}

/**
 * Whose a recording is: a configured user's; one only the call's legs can tell (a queue or auto
 * receptionist recording without the agent named, while some configured user has no extension);
 * or nobody's we record.
 */
export type Attribution = { kind: 'user'; zoomUserId: string } | { kind: 'via_legs' } | { kind: 'not_configured' };

const text = (v: string | number | undefined | null): string | undefined => (v === undefined || v === null || v === '' ? undefined : String(v));

export function attributeRecording(rec: PhoneRecording, users: RecordedUserMatcher): Attribution {
  const owner = rec.owner;
  if (!owner || owner.type === 'user') {
    // The webhook names the owner as `user_id` too.
    const user = users.match({ zoomUserId: text(owner?.id) ?? text(rec.user_id), extension: text(owner?.extension_number) });
    return user ? { kind: 'user', zoomUserId: user.zoomUserId } : { kind: 'not_configured' };
  }
  // Zoom quirk: a call queue's recording is owned by the queue; the agent who answered (or placed)
  // the call is only named by extension, in accepted_by (or outgoing_by).
  const taker = rec.accepted_by ?? rec.outgoing_by;
  const user = users.match({ extension: text(taker?.extension_number) });
  if (user) return { kind: 'user', zoomUserId: user.zoomUserId };
  // Nobody named (an auto receptionist, an account-level recording), or an extension that may be a
  // configured user's whose extension we do not know: the call's legs decide.
  return !taker || users.someWithoutExtension ? { kind: 'via_legs' } : { kind: 'not_configured' };
}

/** The row of the call a recording belongs to. */
export function callOf(rec: PhoneRecording): ListedCallInput {
  return {
    callId: rec.call_id,
    callHistoryUuid: text(rec.call_history_id) ?? null,
    callElementId: text(rec.call_element_id) ?? null,
    zoomDirection: rec.direction,
    callerNumber: rec.caller_number ?? '',
    callerNumberType: rec.caller_number_type ?? null,
    callerName: text(rec.caller_name) ?? null,
    calleeNumber: rec.callee_number ?? '',
    calleeNumberType: rec.callee_number_type ?? null,
    calleeName: text(rec.callee_name) ?? null,
    startTime: new Date(rec.date_time),
  };
}

export function recordingOf(rec: PhoneRecording, attribution: Attribution): PhoneRecordingInput {
  const taker = rec.accepted_by ?? rec.outgoing_by;
  return {
    recordingId: rec.id,
    callId: rec.call_id,
    callElementId: text(rec.call_element_id) ?? null,
    ownerType: text(rec.owner?.type) ?? 'user',
    ownerId: text(rec.owner?.id) ?? text(rec.user_id) ?? null,
    ownerName: text(rec.owner?.name) ?? null,
    ownerExtension: text(rec.owner?.extension_number) ?? null,
    takerName: text(taker?.name) ?? null,
    takerExtension: text(taker?.extension_number) ?? null,
    startedAt: new Date(rec.date_time),
    endedAt: rec.end_time ? new Date(rec.end_time) : null,
    durationSeconds: Math.round(rec.duration),
    recordedUserId: attribution.kind === 'user' ? attribution.zoomUserId : null,
  };
}

/**
 * The recording's media file. Zoom lists no size for phone recordings (the download's
 * Content-Length and our SHA-256 verify it) and does not state the format: they download as MP3.
 * Stored under the recording's own start, so the key never changes whichever leg is listed first.
 */
export function recordingFile(tenantId: string, rec: PhoneRecording): ListedFileInput {
  return {
    zoomFileId: rec.id,
    fileType: 'MP3',
    fileExtension: 'MP3',
    recordingType: text(rec.recording_type) ?? null,
    participantZoomUserId: null,
    recordingStartedAt: new Date(rec.date_time),
    zoomSize: null,
    zoomStatus: 'completed',
    downloadUrl: rec.download_url,
    storageKey: mediaKey({ tenantId, sourcePlatform: 'Zoom Phone', startedAt: new Date(rec.date_time), conversationId: rec.call_id, zoomFileId: rec.id, extension: 'mp3' }),
  };
}

/**
 * Groups recording rows by call, keeping only recordings of configured users (or whose owner
 * the call's legs must tell); `skipped` counts the others, never downloaded.
 */
export class CallCollector {
  readonly calls = new Map<string, ListedCall>();
  skipped = 0;

  constructor(private readonly tenantId: string, private readonly users: RecordedUserMatcher) {}

  add(rec: PhoneRecording): void {
    const attribution = attributeRecording(rec, this.users);
    if (attribution.kind === 'not_configured') {
      this.skipped += 1;
      return;
    }
    let listed = this.calls.get(rec.call_id);
    if (!listed) {
      listed = { call: callOf(rec), recordings: [], files: [] };
      this.calls.set(rec.call_id, listed);
    }
    const call = listed.call;
    if (new Date(rec.date_time) < call.startTime) call.startTime = new Date(rec.date_time);
    call.callHistoryUuid ??= text(rec.call_history_id) ?? null;
    call.callElementId ??= text(rec.call_element_id) ?? null;
    if (listed.recordings.some((r) => r.recordingId === rec.id)) return;
    listed.recordings.push(recordingOf(rec, attribution));
    listed.files.push(recordingFile(this.tenantId, rec));
  }

  take(): ListedCall[] {
    const calls = [...this.calls.values()];
    this.calls.clear();
    return calls;
  }
}
