// Plain data that crosses the workflow/activity boundary. It is kept in workflow histories, so it
// holds no secrets (no tokens, no download tokens) and stays small: files live in the database.

/** The listings a tenant imports meetings from; each has its own schedule and watermark. */
export type MeetingSource = 'archiving' | 'cloud_recordings';

/** How an ingest was started: by a tenant's schedule, by a Zoom webhook, or by a recovery request. */
export type IngestTrigger = 'schedule' | 'webhook' | 'recovery';

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
  /** Meetings archived at once by this sync (child workflows in flight). */
  concurrency?: number;
  /** Carried over continue-as-new: meetings listed but not yet handed to a child. */
  pending?: MeetingRef[];
  /** Carried over continue-as-new: the end of the listing that produced `pending`. */
  listedUntil?: string;
  totals?: TenantSyncTotals;
  /** Carried over continue-as-new: the start of the earliest meeting not yet fully archived. */
  earliestBlocked?: string;
}

/** What one sync did: the children's results added up, and how many meetings it handed over. */
export interface TenantSyncTotals extends IngestMeetingResult {
  meetings: number;
}
