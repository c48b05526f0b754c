import { index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import type { CallParties } from '../../ingest/phone-cdr.js';
import { instant, lifecycleDates } from './columns.js';
import { tenantColumn } from './tenants.js';

// Zoom Phone calls with a recording of a configured user, as the account's recordings list (or a
// `phone.recording_completed` webhook) described them. One call id correlates every leg of a call
// (a transfer, a queue call): the call is the conversation, its recordings are its media files
// (media_files.platform_call_id = call id). Kept here, not in payloads, like listed_meetings.
export const listedCalls = pgTable(
  'listed_calls',
  {
    tenantId: tenantColumn(),
    callId: text('call_id').notNull(),
    // Zoom quirk: the account-level recordings list has no call_history_id (the webhook and the
    // user-level list do); it is looked up through a recording's call element when missing.
    callHistoryUuid: text('call_history_uuid'),
    callElementId: text('call_element_id'),
    // Zoom's own direction ('inbound' | 'outbound'); the CDR's system view comes from the tenant's patterns.
    zoomDirection: text('zoom_direction').notNull(),
    callerNumber: text('caller_number').notNull(),
    // 1 internal (an extension), 2 external, 3 a custom emergency number.
    callerNumberType: integer('caller_number_type'),
    callerName: text('caller_name'),
    calleeNumber: text('callee_number').notNull(),
    calleeNumberType: integer('callee_number_type'),
    calleeName: text('callee_name'),
    // The earliest recording start: a sync's cursor orders calls by it.
    startTime: instant('start_time').notNull(),
    // Every party across the legs, from the call's path (set by preparePhoneCall; one light call).
    parties: jsonb('parties').$type<CallParties>(),
    lastListedAt: instant('last_listed_at').notNull().defaultNow(),
    ...lifecycleDates,
  },
  (t) => [
    primaryKey({ name: 'listed_calls_pk', columns: [t.tenantId, t.callId] }),
    index('listed_calls_tenant_start').on(t.tenantId, t.startTime),
  ],
);

/**
 * One recording of a call (a leg's), with what decides whose it is: its owner, and for a
 * recording owned by a call queue or an auto receptionist the user who took the call.
 */
export const phoneRecordings = pgTable(
  'phone_recordings',
  {
    tenantId: tenantColumn(),
    recordingId: text('recording_id').notNull(),
    callId: text('call_id').notNull(),
    callElementId: text('call_element_id'),
    // 'user' | 'callQueue' | 'autoReceptionist' | 'commonArea' | ...
    ownerType: text('owner_type').notNull(),
    ownerId: text('owner_id'),
    ownerName: text('owner_name'),
    ownerExtension: text('owner_extension'),
    // accepted_by (an inbound queue call) or outgoing_by (an outbound one): the agent on the call.
    takerName: text('taker_name'),
    takerExtension: text('taker_extension'),
    startedAt: instant('started_at').notNull(),
    endedAt: instant('ended_at'),
    durationSeconds: integer('duration_seconds').notNull(),
    // The configured user it is archived for; null until the call's legs say (see docs/operations.md).
    recordedUserId: text('recorded_user_id'),
    ...lifecycleDates,
  },
  (t) => [
    primaryKey({ name: 'phone_recordings_pk', columns: [t.tenantId, t.recordingId] }),
    index('phone_recordings_tenant_call').on(t.tenantId, t.callId),
  ],
);
