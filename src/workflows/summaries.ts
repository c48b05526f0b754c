import type { MeetingRef, MeetingSource, SyncSource } from '../ingest/types.js';

// What the Temporal UI shows of each workflow in its lists and detail pages (user metadata:
// `staticSummary`, one line; `staticDetails`, Markdown): enough to tell meetings, calls and days
// apart without opening each.

const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

export function meetingSummary(meeting: MeetingRef): string {
  return `${meeting.topic || '(no topic)'} · host ${meeting.hostId || '(outside the account)'} · ${when(meeting.startTime)}`.slice(0, 200);
}

export function meetingDetails(tenantId: string, source: MeetingSource, meeting: MeetingRef, trigger: string): string {
  return [
    `**Meeting** ${meeting.meetingNumber} · ${meeting.topic || '(no topic)'}`,
    `- tenant: \`${tenantId}\`, source: \`${source}\`, started by: ${trigger}`,
    `- instance UUID: \`${meeting.uuid}\``,
    `- host: \`${meeting.hostId || '(outside the account)'}\`, start: ${when(meeting.startTime)}, ${meeting.durationMinutes} min`,
  ].join('\n');
}

/** A call's parties as the listing knows them (numbers and names), when it knows them. */
export interface CallParties {
  caller?: string;
  callee?: string;
}

export function callSummary(callId: string, startTime: string | undefined, parties: CallParties = {}): string {
  const who = parties.caller || parties.callee ? `${parties.caller ?? '?'} → ${parties.callee ?? '?'}` : `call ${callId}`;
  return `${who}${startTime ? ` · ${when(startTime)}` : ''}`.slice(0, 200);
}

export function callDetails(tenantId: string, callId: string, trigger: string): string {
  return [`**Zoom Phone call** \`${callId}\``, `- tenant: \`${tenantId}\`, started by: ${trigger}`].join('\n');
}

export const reconcileSummary = (tenantId: string, family: string, day: string) => `Reconcile ${family} of ${day} · tenant ${tenantId}`;
export const recoverySummary = (tenantId: string) => `Recovery of tenant ${tenantId} (requests by signal)`;
export const syncSummary = (tenantId: string, source: SyncSource) => `Sync ${source} of tenant ${tenantId}`;
