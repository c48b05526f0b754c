import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listConversations, type Conversation } from '../db/queries/conversations.js';
import { CONVERSATION_TYPES } from '../db/schema/conversations.js';
import { formatMediaLength } from '../ingest/phone-cdr.js';
import { errorResponses } from './errors.js';
import { instant, iso, loadTenant, paging, security, tenantParams, typed, type RouteDeps } from './route-kit.js';

// Support's search of a tenant's CDRs ("was meeting X archived?"): by user, time range, meeting
// UUID or number, call id; with the fields of the archiving product this replaces, media length
// in its hhh:mm:ss form.

const querySchema = z.strictObject({
  source: z.enum(['meeting', 'phone']).optional(),
  from: instant('Started at or after (ISO 8601)').optional(),
  to: instant('Started before (ISO 8601)').optional(),
  user: z.string().min(1).max(200).optional().describe('The recorded user\'s Zoom user id'),
  meetingUuid: z.string().min(1).max(200).optional().describe('A meeting instance UUID'),
  meetingId: z.string().regex(/^\d{9,11}$/, '9 to 11 digits').optional().describe('The meeting number people type'),
  callId: z.string().min(1).max(200).optional().describe('A Zoom Phone call id'),
  recordingFailed: z.enum(['true', 'false']).optional().describe('true: only reconciliation\'s recording_failed CDRs'),
  ...paging,
});

export const cdrSchema = z.object({
  sourcePlatform: z.string(),
  platformCallId: z.string(),
  zoomMeetingId: z.string().nullable(),
  recordedUserZoomId: z.string(),
  recordedUserName: z.string(),
  recordedUserExtension: z.string().nullable(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  from: z.string(),
  fromInfo: z.string().nullable(),
  to: z.string(),
  toInfo: z.string().nullable(),
  direction: z.string(),
  userDirection: z.string(),
  conversationType: z.enum(CONVERSATION_TYPES),
  recordingFailed: z.boolean(),
  recordingFailedReason: z.string().nullable(),
  voiceQuality: z.number().nullable(),
  mediaLengthSeconds: z.number().nullable(),
  mediaLength: z.string().nullable().describe('hhh:mm:ss'),
  mediaError: z.string().nullable(),
  participants: z.array(z.object({
    name: z.string(), zoomUserId: z.string().optional(), email: z.string().optional(), phoneNumber: z.string().optional(),
    joinedAt: z.string().optional(), leftAt: z.string().optional(),
  })),
  recordType: z.string(),
  location: z.string().nullable(),
  callerNumber: z.string().nullable(),
  callerName: z.string().nullable(),
  calleeNumber: z.string().nullable(),
  calleeName: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** A CDR as the API shows it: dates as ISO 8601, media length also as hhh:mm:ss. */
export function cdrOf(row: Conversation): z.infer<typeof cdrSchema> {
  const { tenantId: _tenant, id: _id, startedAt, endedAt, createdAt, updatedAt, ...cdr } = row;
  return {
    ...cdr,
    startedAt: iso(startedAt), endedAt: iso(endedAt), createdAt: iso(createdAt), updatedAt: iso(updatedAt),
    mediaLength: cdr.mediaLengthSeconds === null ? null : formatMediaLength(cdr.mediaLengthSeconds),
  };
}

export function registerConversationRoutes(scope: FastifyInstance, deps: RouteDeps): void {
  typed(scope).get('/tenants/:tenant/conversations', {
    schema: {
      summary: 'Search the tenant\'s CDRs, oldest first', tags: ['cdrs'], security, params: tenantParams, querystring: querySchema,
      response: {
        200: z.object({ tenant: z.string(), conversations: z.array(cdrSchema) }),
        400: errorResponses[400], 401: errorResponses[401], 403: errorResponses[403], 404: errorResponses[404], 429: errorResponses[429],
      },
    },
  }, async (request) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const q = request.query;
    const platformCallId = q.meetingUuid ?? q.callId;
    const rows = await listConversations(deps.db, tenant.id, {
      ...(q.source ? { sourcePlatform: q.source === 'phone' ? 'Zoom Phone' as const : 'Zoom Meeting' as const } : {}),
      ...(q.callId && !q.source ? { sourcePlatform: 'Zoom Phone' as const } : {}),
      ...(platformCallId ? { platformCallId } : {}),
      ...(q.meetingId ? { zoomMeetingId: q.meetingId } : {}),
      ...(q.user ? { recordedUserZoomId: q.user } : {}),
      ...(q.recordingFailed ? { recordingFailed: q.recordingFailed === 'true' } : {}),
      ...(q.from ? { from: new Date(q.from) } : {}),
      ...(q.to ? { to: new Date(q.to) } : {}),
      limit: q.limit,
      offset: q.offset,
    });
    return { tenant: tenant.id, conversations: rows.map(cdrOf) };
  });
}
