import { Context, heartbeat } from '@temporalio/activity';
import { upsertListedMeetings } from '../db/queries/listed-meetings.js';
import { trackListedFilesOfMeetings } from '../db/queries/media-files.js';
import type { RecordedUser } from '../db/queries/recorded-users.js';
import { listUserListingStates, markUserListingFailed, markUsersListed } from '../db/queries/user-listing-states.js';
import type { Database } from '../db/client.js';
import { fromArchive, fromCloudRecording, type ListedMeeting } from '../ingest/listed-files.js';
import type { MeetingSource } from '../ingest/types.js';
import { isZoomError, ZoomAuthError, ZoomDailyLimitError, ZoomRateLimitedError, type ArchiveMeeting, type ZoomClient } from '../zoom/index.js';
import { ARCHIVE_WINDOW_MS, timeWindows } from '../zoom/windows.js';

// A tenant's listing, written to the database as it goes so that nothing growing with the tenant
// crosses a payload, and resumable: a retried attempt (a worker died, a heartbeat timed out) skips
// the users whose listing already reached this sync's end (user_listing_states) and the archive
// windows its last heartbeat reported, instead of walking 5,000 users again.

// Zoom quirk: cloud-recording windows are whole days and which timestamp they filter on is not
// documented, so each sync lists again from a day before the watermark; archived files are
// deduplicated per Zoom file id, so the overlap costs list rows, not downloads.
export const RELIST_OVERLAP_MS = 24 * 3600 * 1000;
/** Users named in a sync's result and its status line; the rest are counted (payloads stay small). */
const USER_ERRORS_REPORTED = 10;
/** Zoom's message about one user, cut so ten of them stay a small payload. */
const USER_ERROR_CHARS = 300;
/** Users walked at once: the shared pacer keeps the account under Zoom's limits, this fills it. */
const USERS_IN_PARALLEL = 8;
/** Meetings held in memory before they are written (a few statements per flush). */
const MEETINGS_PER_FLUSH = 500;
/** Attempts at one user's listing before it is set aside for this sync (transient errors only). */
const USER_LISTING_ATTEMPTS = 4;
const USER_RETRY_BACKOFF_MS = 2_000;

export interface UserListingError {
  zoomUserId: string;
  error: string;
}

export interface ListMeetingsResult {
  /** Meetings Zoom listed for configured users in this attempt (written to the database with their files). */
  listed: number;
  /** Users whose listing failed (their windows stay open), and the first few of them with Zoom's answer. */
  usersNotListed: number;
  userErrors: UserListingError[];
}

/** What a listing attempt heartbeats; the next attempt reads it back to resume. */
export interface ListingProgress {
  usersDone?: number;
  usersTotal?: number;
  /** Archive windows written completely, in order. */
  windowsDone?: number;
}

/** Zoom's answer about this one user, not the tenant: credentials and quotas stop the sync instead. */
export function isUserScopedFailure(err: unknown): boolean {
  if (err instanceof ZoomAuthError || err instanceof ZoomDailyLimitError || err instanceof ZoomRateLimitedError) return false;
  return isZoomError(err);
}

/**
 * Runs one user's listing. Zoom's "no" about the user (404/1001 deleted, a 4xx) sets them aside at
 * once; a transient failure (a 5xx the client's own retries did not outlast, a page cut short) is
 * tried again a few times before the user is set aside for this sync.
 */
export async function listingOneUser<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!isUserScopedFailure(err) || !(err as { retryable?: boolean }).retryable || attempt >= USER_LISTING_ATTEMPTS) throw err;
      heartbeat({ retrying: attempt });
      await new Promise((r) => setTimeout(r, USER_RETRY_BACKOFF_MS * 2 ** (attempt - 1)));
    }
  }
}

/** Zoom's lasting "no" about one user (deleted, not in the account): asking again will not help. */
export function isLastingUserRefusal(err: unknown): boolean {
  return isUserScopedFailure(err) && !(err as { retryable?: boolean }).retryable;
}

/** The users Zoom refused in one listing: every one counted, the first few named with Zoom's answer. */
class RefusedUsers {
  count = 0;
  readonly named: UserListingError[] = [];

  /** Counts the user; returns Zoom's answer as it is recorded (cut short). */
  add(zoomUserId: string, err: unknown): string {
    const error = (err as Error).message.slice(0, USER_ERROR_CHARS);
    this.count += 1;
    if (this.named.length < USER_ERRORS_REPORTED) this.named.push({ zoomUserId, error });
    return error;
  }

  result(listed: number): ListMeetingsResult {
    return { listed, usersNotListed: this.count, userErrors: this.named };
  }
}

/** Users Zoom refused, for a status line: `u1: Zoom's answer; u2: ...; and 3 more`. */
export function describeUsersNotListed({ usersNotListed, userErrors }: Pick<ListMeetingsResult, 'usersNotListed' | 'userErrors'>): string {
  return userErrors.map((u) => `${u.zoomUserId}: ${u.error}`).join('; ')
    + (usersNotListed > userErrors.length ? `; and ${usersNotListed - userErrors.length} more` : '');
}

/**
 * Collects listed meetings and writes them in batches; a user counts as listed only once their
 * meetings are written, so a resumed attempt never skips a user whose rows were lost.
 */
class ListingWriter {
  private meetings = new Map<string, ListedMeeting>();
  private users: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  written = 0;

  constructor(private readonly db: Database, private readonly tenantId: string, private readonly source: MeetingSource, private readonly until: Date) {}

  add(meetings: Iterable<ListedMeeting>, listedUser?: string): Promise<void> {
    for (const m of meetings) this.meetings.set(m.ref.uuid, m);
    if (listedUser !== undefined) this.users.push(listedUser);
    return this.meetings.size >= MEETINGS_PER_FLUSH ? this.flush() : Promise.resolve();
  }

  /** Writes what is held; flushes run one after another. */
  flush(): Promise<void> {
    const meetings = [...this.meetings.values()];
    const users = this.users;
    this.meetings = new Map();
    this.users = [];
    const write = this.writing.then(async () => {
      await upsertListedMeetings(this.db, this.tenantId, this.source, meetings.map((m) => m.ref));
      await trackListedFilesOfMeetings(this.db, this.tenantId, meetings.map((m) => ({ meetingUuid: m.ref.uuid, files: m.files })));
      await markUsersListed(this.db, this.tenantId, this.source, users, this.until);
      this.written += meetings.length;
    });
    this.writing = write.catch(() => undefined);
    return write;
  }
}

export interface ListingContext {
  db: Database;
  zoom: ZoomClient;
  tenantId: string;
  users: RecordedUser[];
  from: Date;
  to: Date;
  /** Where a user never listed completely starts (the first sync's look-back). */
  lookbackStart: Date;
}

/** Progress the previous attempt of this activity reported, if any. */
function previousProgress(): ListingProgress {
  const details = Context.current().info.heartbeatDetails as ListingProgress | undefined;
  return details && typeof details === 'object' ? details : {};
}

/**
 * Each configured user's cloud recordings from `from` (or from where their last complete listing
 * ended) to `to`, a few users at a time. A user Zoom answers about with an error (deleted, not in
 * the account, a 5xx that outlasted the client's retries) is recorded with that answer and listed
 * again from where their last good listing ended, while every other user's meetings are listed.
 */
export async function listCloudRecordings(ctx: ListingContext): Promise<ListMeetingsResult> {
  const { db, zoom, tenantId, users, to } = ctx;
  const source = 'cloud_recordings' as const;
  const states = new Map((await listUserListingStates(db, tenantId, source)).map((s) => [s.zoomUserId, s]));
  // A retried attempt: users whose listing already reached this sync's end are done.
  const todo = users.filter((u) => (states.get(u.zoomUserId)?.listedUntil ?? 0) < to);
  const writer = new ListingWriter(db, tenantId, source, to);
  const refused = new RefusedUsers();
  let usersDone = users.length - todo.length;
  let next = 0;
  let stop: unknown;

  const walker = async () => {
    while (stop === undefined && next < todo.length) {
      const user = todo[next++]!;
      const state = states.get(user.zoomUserId);
      // A user never listed completely (new, or failing since) is listed from the look-back start.
      const userFrom = !state?.listedUntil ? ctx.lookbackStart
        : new Date(Math.min(ctx.from.getTime(), state.listedUntil.getTime() - RELIST_OVERLAP_MS));
      try {
        const meetings = await listingOneUser(() => listUser(zoom, tenantId, user, userFrom, to));
        await writer.add(meetings, user.zoomUserId);
      } catch (err) {
        if (!isUserScopedFailure(err)) {
          stop ??= err;
          return;
        }
        await markUserListingFailed(db, tenantId, source, user.zoomUserId, refused.add(user.zoomUserId, err));
      }
      usersDone += 1;
      heartbeat({ usersDone, usersTotal: users.length } satisfies ListingProgress);
    }
  };
  await Promise.all(Array.from({ length: Math.min(USERS_IN_PARALLEL, todo.length) }, walker));
  // What was listed before a failure is kept: the retry starts after it.
  await writer.flush();
  if (stop !== undefined) throw stop;
  return refused.result(writer.written);
}

async function listUser(zoom: ZoomClient, tenantId: string, user: RecordedUser, from: Date, until: Date): Promise<ListedMeeting[]> {
  const meetings = new Map<string, ListedMeeting>();
  for await (const meeting of zoom.listUserRecordings(user.zoomUserId, { from: from.toISOString().slice(0, 10), to: until.toISOString().slice(0, 10) })) {
    meetings.set(meeting.uuid, fromCloudRecording(tenantId, meeting));
  }
  return [...meetings.values()];
}

/** Configured users as the archive names them: by Zoom id (hosts) and e-mail (individual recordings). */
export interface ConfiguredUsers {
  ids: Set<string>;
  emails: Set<string>;
}

export function configuredUsersOf(users: readonly RecordedUser[]): ConfiguredUsers {
  return { ids: new Set(users.map((u) => u.zoomUserId)), emails: new Set(users.map((u) => u.email.toLowerCase())) };
}

/**
 * The account-wide archive lists everyone's meetings: a meeting is ours when a configured user
 * hosted it or has an individual recording in it (a meeting hosted outside the account has no host).
 */
export function isArchiveOfConfiguredUser(meeting: ArchiveMeeting, configured: ConfiguredUsers): boolean {
  return configured.ids.has(meeting.host_id ?? '')
    || meeting.archive_files.some((f) => f.individual && configured.emails.has((f.participant_email ?? '').toLowerCase()));
}

/**
 * A recovery's time frame of one meeting source, written like a sync's listing but without moving
 * any user's listing state (a recovery re-reads the past; the sync's own progress is not its to
 * change). Archives are listed by meeting start here: support names the hours the meetings were held.
 * A user Zoom refuses for good (deleted, not in the account) is set aside with Zoom's answer while the
 * others are listed; a transient failure that outlasts the user's retries fails the listing (retried whole).
 */
export async function listMeetingWindow(ctx: Omit<ListingContext, 'lookbackStart'>, source: MeetingSource): Promise<ListMeetingsResult> {
  const { db, zoom, tenantId, users, from, to } = ctx;
  const writer = new ListingWriter(db, tenantId, source, to);
  const refused = new RefusedUsers();
  if (source === 'archiving') {
    const configured = configuredUsersOf(users);
    for (const window of timeWindows(from, to, { maxMs: ARCHIVE_WINDOW_MS })) {
      for await (const meeting of zoom.listArchiveFiles({ from: window.from, to: window.to, queryDateType: 'meeting_start_time' })) {
        if (isArchiveOfConfiguredUser(meeting, configured)) await writer.add([fromArchive(tenantId, meeting)]);
      }
      heartbeat({ listed: writer.written });
    }
  } else {
    for (const user of users) {
      let meetings: ListedMeeting[];
      try {
        meetings = await listingOneUser(() => listUser(zoom, tenantId, user, from, to));
      } catch (err) {
        if (!isLastingUserRefusal(err)) throw err;
        refused.add(user.zoomUserId, err);
        continue;
      }
      // Zoom quirk: cloud recordings are listed by whole days; meetings outside the frame are dropped.
      await writer.add(meetings.filter((m) => {
        const start = Date.parse(m.ref.startTime);
        return start >= from.getTime() && start <= to.getTime();
      }));
      heartbeat({ listed: writer.written });
    }
  }
  await writer.flush();
  return refused.result(writer.written);
}

/**
 * The account's archived meetings completed from `from` to `to`, kept when a configured user
 * hosted them or has an individual recording in them. Written window by window; a retried attempt
 * starts at the first window its predecessor had not finished.
 */
export async function listArchivedMeetings(ctx: ListingContext): Promise<ListMeetingsResult> {
  const { db, zoom, tenantId, users } = ctx;
  const configured = configuredUsersOf(users);
  const windows = timeWindows(ctx.from, ctx.to, { maxMs: ARCHIVE_WINDOW_MS });
  const writer = new ListingWriter(db, tenantId, 'archiving', ctx.to);
  const windowsDone = previousProgress().windowsDone ?? 0;
  for (const [index, window] of windows.entries()) {
    if (index < windowsDone) continue;
    let rows = 0;
    // Zoom quirk: an archive can complete days after its meeting; listing by completion time
    // finds late ones that a listing by meeting start would already have passed.
    for await (const meeting of zoom.listArchiveFiles({ from: window.from, to: window.to, queryDateType: 'archive_complete_time' })) {
      if (++rows % 300 === 0) heartbeat({ windowsDone: index, rows } satisfies ListingProgress & { rows: number });
      if (isArchiveOfConfiguredUser(meeting, configured)) await writer.add([fromArchive(tenantId, meeting)]);
    }
    await writer.flush();
    heartbeat({ windowsDone: index + 1 } satisfies ListingProgress);
  }
  return { listed: writer.written, usersNotListed: 0, userErrors: [] };
}
