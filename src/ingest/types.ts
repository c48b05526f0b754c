// Plain data that crosses the workflow/activity boundary. It is kept in workflow histories, so it
// holds no secrets (no tokens, no download tokens) and stays small: files live in the database.

/** The listings a tenant imports meetings from; each has its own schedule and watermark. */
export type MeetingSource = 'archiving' | 'cloud_recordings';

/** Every listing a tenant can import from: the meeting sources and Zoom Phone. */
export type SyncSource = MeetingSource | 'phone';

/** How an ingest was started: by a tenant's schedule, a Zoom webhook, a recovery request, reconciliation, or by hand (the Temporal UI). */
export type IngestTrigger = 'schedule' | 'webhook' | 'recovery' | 'reconciliation' | 'console';

/** One held meeting instance, as much as a child workflow needs besides its files. */
export interface MeetingRef {
  /** The instance's UUID (Zoom's `uuid`): the key of everything we keep for it. */
  uuid: string;
  /** The meeting number people type (Zoom's `id`). */
  meetingNumber: string;
  topic: string;
  hostId: string;
  /** ISO 8601 UTC. */
  startTime: string;
  durationMinutes: number;
}

export interface IngestMeetingInput {
  tenantId: string;
  source: MeetingSource;
  meeting: MeetingRef;
  trigger: IngestTrigger;
}

export interface IngestMeetingResult {
  /** Files written to the media store by this run. */
  stored: number;
  /** Files found already verified in the store (an earlier run, a webhook, a duplicate). */
  alreadyStored: number;
  /** Files Zoom is still processing: a later sync picks them up. */
  processing: number;
  /** Files that could not be archived; the error is kept on the media file row. */
  failed: number;
  bytes: number;
  cdrs: number;
}

export interface TenantSyncInput {
  tenantId: string;
  source: MeetingSource;
  /** Meetings archived at once by this sync (child workflows it waits for). */
  concurrency?: number;
  /**
   * How long the sync waits for one meeting's child before it stops waiting (the child goes on):
   * a slow file delays its own meeting, never the tenant's sync. Default 10 s (a child let go of keeps running; worker slots still bound the downloads).
   */
  childWaitSeconds?: number;
  /** Carried over continue-as-new: the end of this sync's listing. */
  listedUntil?: string;
  /** Carried over continue-as-new: where the next page of meetings to archive starts. */
  cursor?: { startTime: string; uuid: string };
  /** Carried over continue-as-new: users the listing could not list (the first few named). */
  usersNotListed?: number;
  userErrors?: { zoomUserId: string; error: string }[];
  totals?: TenantSyncTotals;
}

/** What one sync did: the children's results added up, and how many meetings it handed over. */
export interface TenantSyncTotals extends IngestMeetingResult {
  meetings: number;
  /** Children the sync stopped waiting for (still archiving; the watermark stays before them). */
  released?: number;
  /** Configured users whose listing failed (see the sync state's last error). */
  usersNotListed?: number;
}

/** One Zoom Phone call (every leg of it: one call id correlates them) to archive. */
export interface IngestPhoneCallInput {
  tenantId: string;
  /** Zoom's call_id; the call and its recordings are in listed_calls and phone_recordings. */
  callId: string;
  trigger: IngestTrigger;
}

/** A call's archive counts the same things as a meeting's. */
export type IngestPhoneCallResult = IngestMeetingResult;

export interface PhoneSyncInput {
  tenantId: string;
  /** Calls archived at once by this sync (child workflows it waits for). */
  concurrency?: number;
  /** How long the sync waits for one call's child before it stops waiting (the child goes on). */
  childWaitSeconds?: number;
  /** Carried over continue-as-new: the end of this sync's listing. */
  listedUntil?: string;
  /** Carried over continue-as-new: where the next page of calls to archive starts. */
  cursor?: { startTime: string; callId: string };
  totals?: PhoneSyncTotals;
}

export interface PhoneSyncTotals extends IngestMeetingResult {
  calls: number;
  /** Children the sync stopped waiting for (still archiving). */
  released: number;
}
