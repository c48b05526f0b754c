import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { getListedMeeting } from '../db/queries/listed-meetings.js';
import { listMediaFiles, reopenFailedFile } from '../db/queries/media-files.js';
import { getTenant } from '../db/queries/tenants.js';
import { MEDIA_FILE_STATES } from '../db/schema/media-files.js';
import type { ingestMeeting } from '../workflows/ingest-meeting.js';
import type { ingestPhoneCall } from '../workflows/ingest-phone-call.js';
import { ingestStartOptions, phoneIngestStartOptions } from './ingest-start.js';

// Support's view of a tenant's files (`GET /api/tenants/:tenant/files?state=failed`) and the way
// back from a failed file (`POST .../files/:fileId/retry`): the file is reopened and its meeting's
// ingest started again, the same workflow the schedule and the recovery use.

const querySchema = z.strictObject({
  state: z.enum(MEDIA_FILE_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export function registerFileRoutes(api: FastifyInstance, deps: { db: Database; temporal: { client: Client; taskQueue: string } }): void {
  api.get<{ Params: { tenant: string } }>('/tenants/:tenant/files', async (request, reply) => {
    const tenant = await getTenant(deps.db, request.params.tenant);
    if (!tenant) return reply.code(404).send({ error: `unknown tenant '${request.params.tenant}'` });
    const query = querySchema.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ error: 'invalid query', details: query.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    const { state, limit, offset } = query.data;
    const files = await listMediaFiles(deps.db, tenant.id, state ? { state } : {});
    return {
      tenant: tenant.id,
      total: files.length,
      files: files.slice(offset, offset + limit).map((f) => ({
        zoomFileId: f.zoomFileId,
        meetingUuid: f.platformCallId,
        fileType: f.fileType,
        recordingType: f.recordingType,
        state: f.state,
        zoomStatus: f.zoomStatus,
        zoomSize: f.zoomSize,
        storedSize: f.storedSize,
        sha256: f.sha256,
        storageKey: f.storageKey,
        error: f.lastError,
        skipReason: f.skipReason,
        updatedAt: f.updatedAt,
      })),
    };
  });

  api.post<{ Params: { tenant: string; fileId: string } }>('/tenants/:tenant/files/:fileId/retry', async (request, reply) => {
    const { tenant: tenantId, fileId } = request.params;
    const tenant = await getTenant(deps.db, tenantId);
    if (!tenant) return reply.code(404).send({ error: `unknown tenant '${tenantId}'` });
    const file = await reopenFailedFile(deps.db, tenant.id, fileId);
    if (!file) return reply.code(409).send({ error: `tenant '${tenant.id}' has no failed file '${fileId}' (only failed files are retried)` });
    if (file.sourcePlatform === 'Zoom Phone') {
      const options = phoneIngestStartOptions({ tenantId: tenant.id, callId: file.platformCallId, trigger: 'recovery' }, deps.temporal.taskQueue);
      return startRetry(reply, fileId, options.workflowId, deps.temporal.client.workflow.start<typeof ingestPhoneCall>('ingestPhoneCall', options));
    }
    const meeting = await getListedMeeting(deps.db, tenant.id, file.platformCallId);
    // Reopened: the next sync of its source takes it even when the meeting is unknown here.
    if (!meeting) return reply.code(202).send({ status: 'reopened', zoomFileId: fileId, note: 'its meeting was not listed by a sync; the next sync takes it' });
    const { source, ...ref } = meeting;
    const options = ingestStartOptions({ tenantId: tenant.id, source, meeting: ref, trigger: 'recovery' }, deps.temporal.taskQueue);
    return startRetry(reply, fileId, options.workflowId, deps.temporal.client.workflow.start<typeof ingestMeeting>('ingestMeeting', options));
  });
}

async function startRetry(reply: FastifyReply, fileId: string, workflowId: string, start: Promise<unknown>) {
  try {
    await start;
    return reply.code(202).send({ status: 'started', zoomFileId: fileId, workflowId });
  } catch (err) {
    // The meeting's or call's ingest is running: the file is pending again, so the next sync's child takes it.
    if (err instanceof WorkflowExecutionAlreadyStartedError) return reply.code(202).send({ status: 'reopened', zoomFileId: fileId, workflowId });
    throw err;
  }
}
