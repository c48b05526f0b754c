import { boolean, index, integer, jsonb, pgEnum, pgTable, real, text, unique, uuid } from 'drizzle-orm/pg-core';
import { instant, lifecycleDates } from './columns.js';
import { tenantColumn } from './tenants.js';

// The conversation records (CDRs), shaped after the archiving product this replaces
// (DESIGN "CDR fields"): one row per recorded user and conversation.

export const SOURCE_PLATFORMS = ['Zoom Meeting', 'Zoom Phone'] as const;
export type SourcePlatform = (typeof SOURCE_PLATFORMS)[number];
export const sourcePlatform = pgEnum('source_platform', SOURCE_PLATFORMS);

/** From the system's view: meetings are conferences; phone calls need the tenant's internal number patterns. */
export const DIRECTIONS = ['conference', 'inbound', 'outbound', 'internal'] as const;
export const direction = pgEnum('direction', DIRECTIONS);

/** From the recorded user's view; a meeting is always outgoing for its recorded user. */
export const USER_DIRECTIONS = ['incoming', 'outgoing'] as const;
export const userDirection = pgEnum('user_direction', USER_DIRECTIONS);

export const CONVERSATION_TYPES = ['voice', 'video', 'screen_share'] as const;
export type ConversationType = (typeof CONVERSATION_TYPES)[number];
export const conversationType = pgEnum('conversation_type', CONVERSATION_TYPES);

export interface ConversationParticipant {
  name: string;
  zoomUserId?: string;
  email?: string;
  phoneNumber?: string;
  /** ISO 8601. */
  joinedAt?: string;
  leftAt?: string;
}

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    sourcePlatform: sourcePlatform('source_platform').notNull(),
    // Meeting UUID (one per meeting instance) or phone call id (correlates the legs of a call).
    platformCallId: text('platform_call_id').notNull(),
    // The numeric meeting id people type; reconciliation and recovery CSVs speak in it.
    zoomMeetingId: text('zoom_meeting_id'),
    recordedUserZoomId: text('recorded_user_zoom_id').notNull(),
    recordedUserName: text('recorded_user_name').notNull(),
    recordedUserExtension: text('recorded_user_extension'),
    startedAt: instant('started_at').notNull(),
    endedAt: instant('ended_at'),
    durationSeconds: integer('duration_seconds'),
    from: text('from').notNull(),
    fromInfo: text('from_info'),
    to: text('to').notNull(),
    toInfo: text('to_info'),
    direction: direction('direction').notNull(),
    userDirection: userDirection('user_direction').notNull(),
    conversationType: conversationType('conversation_type').notNull(),
    recordingFailed: boolean('recording_failed').notNull().default(false),
    recordingFailedReason: text('recording_failed_reason'),
    // Mean opinion score (1-5) from Zoom's QoS, where it was fetched.
    voiceQuality: real('voice_quality'),
    mediaLengthSeconds: integer('media_length_seconds'),
    mediaError: text('media_error'),
    participants: jsonb('participants').$type<ConversationParticipant[]>().notNull().default([]),
    recordType: text('record_type').notNull().default('standard'),
    // Hostname of the worker that wrote the record.
    location: text('location'),
    callerNumber: text('caller_number'),
    callerName: text('caller_name'),
    calleeNumber: text('callee_number'),
    calleeName: text('callee_name'),
    ...lifecycleDates,
  },
  (t) => [
    unique('conversations_one_per_user_and_call').on(t.tenantId, t.sourcePlatform, t.platformCallId, t.recordedUserZoomId),
    index('conversations_tenant_started').on(t.tenantId, t.startedAt),
  ],
);
