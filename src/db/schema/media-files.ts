import { bigint, index, pgEnum, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { instant, lifecycleDates } from './columns.js';
import { sourcePlatform } from './conversations.js';
import { tenantColumn } from './tenants.js';

// Zoom delivers files late and in segments, so archiving is tracked per Zoom file, not per meeting.

// `skipped`: deliberately not archived, with the reason in skip_reason (SKIP_REASONS). `failed`: a
// visible dead end (its reason in last_error) that no sync retries by itself; support retries it.
export const MEDIA_FILE_STATES = ['pending', 'stored', 'failed', 'skipped'] as const;
export type MediaFileState = (typeof MEDIA_FILE_STATES)[number];
export const mediaFileState = pgEnum('media_file_state', MEDIA_FILE_STATES);

/** Why a listed file is not archived: every listed file has a row, and a skipped one says why. */
export const SKIP_REASONS = {
  /** No recorded user's modality needs it (the MP4 of a voice-only user, unwanted per-participant audio). */
  notWantedByModality: 'not_wanted_by_modality',
  /** Zoom lists it without a download URL. */
  noDownloadUrl: 'no_download_url',
  /** A file type that is not a recording (e.g. a summary Zoom only links to). */
  unsupportedType: 'unsupported_type',
  /** None of the meeting's participants is a configured user. */
  noRecordedUser: 'no_recorded_user',
} as const;
export type SkipReason = (typeof SKIP_REASONS)[keyof typeof SKIP_REASONS];

/**
 * Zoom lists CC and TIMELINE files without an id: ours are derived (ingest/listed-files.ts) and
 * start with this, so they are never sent to Zoom as a file id.
 */
export const DERIVED_FILE_ID_PREFIX = 'derived-';

export const mediaFiles = pgTable(
  'media_files',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    zoomFileId: text('zoom_file_id').notNull(),
    sourcePlatform: sourcePlatform('source_platform').notNull(),
    // Meeting UUID or phone call id, as in conversations.platform_call_id.
    platformCallId: text('platform_call_id').notNull(),
    // Zoom's file_type (MP4, M4A, CHAT, TRANSCRIPT, ...) and recording_type (shared_screen_with_speaker_view, ...).
    fileType: text('file_type').notNull(),
    fileExtension: text('file_extension').notNull(),
    recordingType: text('recording_type'),
    // Per-participant audio belongs to one participant.
    participantZoomUserId: text('participant_zoom_user_id'),
    recordingStartedAt: instant('recording_started_at').notNull(),
    zoomSize: bigint('zoom_size', { mode: 'number' }),
    // Zoom's file status: `processing` files are listed before they can be downloaded.
    zoomStatus: text('zoom_status').notNull().default('completed'),
    // Needs the tenant's token to be followed; not a secret on its own.
    downloadUrl: text('download_url'),
    storedSize: bigint('stored_size', { mode: 'number' }),
    sha256: text('sha256'),
    storageKey: text('storage_key').notNull(),
    state: mediaFileState('state').notNull().default('pending'),
    storedAt: instant('stored_at'),
    lastError: text('last_error'),
    skipReason: text('skip_reason').$type<SkipReason>(),
    // When delete-after-archive moved Zoom's copy of this verified file to Zoom's trash.
    trashedInZoomAt: instant('trashed_in_zoom_at'),
    ...lifecycleDates,
  },
  (t) => [
    unique('media_files_tenant_zoom_file').on(t.tenantId, t.zoomFileId),
    index('media_files_tenant_call').on(t.tenantId, t.platformCallId),
  ],
);
