import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { getMediaFile } from '../db/queries/media-files.js';
import { getRecoveryRequest, listRecoveryItems, listRecoveryRequests, recoveryCounts, requestIdTakenElsewhere } from '../db/queries/recovery.js';
import { RECOVERY_ITEM_STATES, RECOVERY_STATUSES } from '../db/schema/recovery.js';
import { describeCsvCounts, describeCsvErrors, MAX_CSV_BYTES, meetingRefOf, parseMeetingCsv } from '../recovery/meeting-csv.js';
import { MAX_REFS_PER_REQUEST, meetingsProblems, retryFilesProblems, timeframeProblems } from '../recovery/requests.js';
import { signalRecovery, type RecoverySignal } from '../recovery/submit.js';
import type { RecoveryProgress } from '../recovery/types.js';
import { recoveryWorkflowId } from '../workflows/ids.js';
import { errorResponses, errorSchema, HttpError } from './errors.js';
import { iso, loadTenant, operator, paging, security, tenantParams, typed, type RouteDeps } from './route-kit.js';

// Support's recovery (src/workflows/recovery.ts): re-import a time frame, the meetings of a CSV or
// a JSON list, or failed files; follow requests and their items; cancel one. Every request goes
// to the tenant's recovery workflow by signal-with-start; reads come from the database the
// workflow keeps its queue in, and from its `progress` query.

const accepted = z.object({
  requestId: z.string().describe('The request\'s id: follow it at /recovery/requests/{requestId}'),
  workflowId: z.string().describe('The tenant\'s recovery workflow (Temporal UI)'),
  status: z.literal('queued'),
});

const countsShape = {
  total: z.number(), pending: z.number(), alreadyArchived: z.number(), missing: z.number(), inProgress: z.number(),
  archived: z.number(), notFound: z.number(), notOurs: z.number(), failed: z.number(), cancelled: z.number(),
};

const requestSchema = z.object({
  requestId: z.string(),
  kind: z.enum(['timeframe', 'meetings', 'files']),
  source: z.string().nullable(),
  status: z.enum(RECOVERY_STATUSES),
  requestedBy: z.string(),
  reason: z.string().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  ...countsShape,
});

const itemSchema = z.object({
  meetingRef: z.string(),
  zoomFileId: z.string().nullable(),
  source: z.string().nullable(),
  zoomMeetingId: z.string().nullable(),
  meetingUuid: z.string().nullable(),
  state: z.enum(RECOVERY_ITEM_STATES),
  foundMissing: z.boolean(),
  workflowId: z.string().nullable(),
  error: z.string().nullable(),
  updatedAt: z.string(),
});

const PROGRESS_QUERY_MS = 5_000;
class QueryTimeout extends Error {}

const requestIdField = z.uuid().optional().describe('Your own id for the request (a UUID): sending it again files nothing new');
const reasonField = z.string().max(1000).optional();

const timeframeBody = z.strictObject({
  source: z.enum(['archiving', 'cloud_recordings', 'phone']),
  from: z.iso.datetime({ offset: true }).describe('Start of the frame (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).describe('End of the frame (ISO 8601), at most 31 days after from'),
  reason: reasonField,
  requestId: requestIdField,
});

/** The JSON form of a meetings request (the other form is a CSV body, `text/csv`). */
export const meetingsBody = z.strictObject({
  refs: z.array(z.string().max(100)).min(1).max(MAX_REFS_PER_REQUEST).describe('Meeting IDs (9-11 digits, grouped or not) or instance UUIDs'),
  source: z.enum(['archiving', 'cloud_recordings']).optional().describe('Absent: every meeting source the tenant imports'),
  reason: reasonField,
  requestId: requestIdField,
});

const retryBody = z.strictObject({
  zoomFileIds: z.array(z.string().min(1).max(200)).max(MAX_REFS_PER_REQUEST).optional().describe('Absent or empty: every failed file of the tenant'),
  reason: reasonField,
  requestId: requestIdField,
});

const requestParams = tenantParams.extend({ requestId: z.uuid().describe('A recovery request id') });

const mutationErrors = { 400: errorResponses[400], 401: errorResponses[401], 403: errorResponses[403], 404: errorResponses[404], 413: errorResponses[413], 415: errorResponses[415], 429: errorResponses[429] };
const readErrors = { 400: errorResponses[400], 401: errorResponses[401], 403: errorResponses[403], 404: errorResponses[404], 429: errorResponses[429] };

const requestIdTaken = errorSchema.describe('The requestId is already used by another tenant\'s request');

export function registerRecoveryRoutes(scope: FastifyInstance, deps: RouteDeps): void {
  const api = typed(scope);
  // A CSV body arrives as text; its size is checked by the parser, its content by parseMeetingCsv.
  scope.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string', bodyLimit: MAX_CSV_BYTES }, (_request, body, done) => done(null, body));

  const submit = async (tenantId: string, signal: RecoverySignal & { request: { requestId: string } }) => {
    // The workflow would refuse it too, but only in its progress query: the caller hears it here.
    if (await requestIdTakenElsewhere(deps.db, tenantId, signal.request.requestId)) {
      throw new HttpError(409, `requestId ${signal.request.requestId} is already used by another tenant's request: send another requestId, or none`);
    }
    const workflowId = await signalRecovery(deps.temporal, tenantId, signal);
    return { requestId: signal.request.requestId, workflowId, status: 'queued' as const };
  };
  const refuse = (problems: string[]) => {
    if (problems.length > 0) throw new HttpError(400, 'invalid request', problems);
  };

  api.post('/tenants/:tenant/recovery/timeframe', {
    config: operator,
    schema: {
      summary: 'Re-import a time frame of a source (only what the archive lacks is downloaded)', tags: ['recovery'], security,
      params: tenantParams, body: timeframeBody, response: { 202: accepted, 409: requestIdTaken, ...mutationErrors },
    },
  }, async (request, reply) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const { requestId = randomUUID(), ...body } = request.body;
    const order = { ...body, requestId, requestedBy: request.principal!.name };
    refuse(timeframeProblems(order, new Date()));
    return reply.code(202).send(await submit(tenant.id, { name: 'recoverTimeframe', request: order }));
  });

  api.post('/tenants/:tenant/recovery/meetings', {
    config: operator,
    schema: {
      summary: 'Re-import meetings: a JSON list, or a CSV (text/csv) of meeting IDs or UUIDs, validated whole',
      description: 'A CSV is refused whole when any line is bad; the error\'s details name each bad line. Header optional (a column named meeting_id or uuid); commas or semicolons; UTF-8 with or without BOM; blank lines and duplicates are counted, not refused.',
      tags: ['recovery'], security, params: tenantParams, response: { 202: accepted, 409: requestIdTaken, ...mutationErrors },
    },
  }, async (request, reply) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const requestedBy = request.principal!.name;
    let order;
    if (typeof request.body === 'string') {
      const csv = parseMeetingCsv(request.body);
      if (!csv.ok) throw new HttpError(400, 'the CSV was refused whole: nothing was started', describeCsvErrors(csv.errors).trim().split('\n'));
      order = { requestId: randomUUID(), refs: csv.refs, requestedBy, reason: `CSV upload: ${describeCsvCounts(csv)}` };
    } else {
      const parsed = meetingsBody.safeParse(request.body);
      if (!parsed.success) throw new HttpError(400, 'invalid body', parsed.error.issues.map((i) => `body.${i.path.join('.')}: ${i.message}`));
      const refs = parsed.data.refs.map((r) => meetingRefOf(r));
      const bad = refs.map((r, i) => ('reason' in r ? `body.refs.${i}: ${r.reason}` : null)).filter((p) => p !== null);
      refuse(bad);
      const { requestId = randomUUID(), ...rest } = parsed.data;
      order = { ...rest, requestId, requestedBy, refs: [...new Set(refs.map((r) => (r as { ref: string }).ref))] };
    }
    // Also the size: at most MAX_REFS_PER_REQUEST meetings per request.
    refuse(meetingsProblems(order));
    return reply.code(202).send(await submit(tenant.id, { name: 'recoverMeetings', request: order }));
  });

  api.post('/tenants/:tenant/files/retry', {
    config: operator,
    schema: {
      summary: 'Retry failed files (these, or every failed file of the tenant) through the recovery', tags: ['recovery'], security,
      params: tenantParams, body: retryBody, response: { 202: accepted, 409: requestIdTaken, ...mutationErrors },
    },
  }, async (request, reply) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const { requestId = randomUUID(), ...body } = request.body;
    const order = { ...body, requestId, requestedBy: request.principal!.name };
    refuse(retryFilesProblems(order));
    return reply.code(202).send(await submit(tenant.id, { name: 'retryFailedFiles', request: order }));
  });

  api.post('/tenants/:tenant/files/:fileId/retry', {
    config: operator,
    schema: {
      summary: 'Retry one failed file through the recovery', tags: ['recovery'], security,
      params: tenantParams.extend({ fileId: z.string().min(1).max(200) }),
      response: { 202: accepted, 409: errorSchema.describe('The file is not failed'), ...mutationErrors },
    },
  }, async (request, reply) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const file = await getMediaFile(deps.db, tenant.id, request.params.fileId);
    if (!file) throw new HttpError(404, `tenant '${tenant.id}' has no file '${request.params.fileId}'`);
    if (file.state !== 'failed') throw new HttpError(409, `file '${file.zoomFileId}' is ${file.state}: only failed files are retried`);
    return reply.code(202).send(await submit(tenant.id, {
      name: 'retryFailedFiles', request: { requestId: randomUUID(), zoomFileIds: [file.zoomFileId], requestedBy: request.principal!.name },
    }));
  });

  api.get('/tenants/:tenant/recovery/requests', {
    schema: {
      summary: 'The tenant\'s recovery requests, newest first, with their counts', tags: ['recovery'], security,
      params: tenantParams, querystring: z.strictObject({ status: z.enum(RECOVERY_STATUSES).optional(), ...paging }),
      response: { 200: z.object({ tenant: z.string(), requests: z.array(requestSchema) }), ...readErrors },
    },
  }, async (request) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const { status, limit, offset } = request.query;
    const rows = await listRecoveryRequests(deps.db, tenant.id, { ...(status ? { status } : {}), limit, offset });
    const counts = await recoveryCounts(deps.db, tenant.id, rows.map((r) => r.id));
    return { tenant: tenant.id, requests: rows.map((r) => summaryOf(r, counts.get(r.id)!)) };
  });

  api.get('/tenants/:tenant/recovery/requests/:requestId', {
    schema: {
      summary: 'One recovery request with its items (what each meeting, call or file came to, and why)', tags: ['recovery'], security,
      params: requestParams, querystring: z.strictObject({ state: z.enum(RECOVERY_ITEM_STATES).optional(), ...paging }),
      response: { 200: requestSchema.extend({ items: z.array(itemSchema) }), ...readErrors },
    },
  }, async (request) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const row = await getRecoveryRequest(deps.db, tenant.id, request.params.requestId);
    if (!row) throw new HttpError(404, `tenant '${tenant.id}' has no recovery request '${request.params.requestId}'`);
    const { state, limit, offset } = request.query;
    const counts = (await recoveryCounts(deps.db, tenant.id, [row.id])).get(row.id)!;
    const items = await listRecoveryItems(deps.db, tenant.id, row.id, { ...(state ? { state } : {}), limit, offset });
    return {
      ...summaryOf(row, counts),
      items: items.map((i) => ({
        meetingRef: i.meetingRef, zoomFileId: i.zoomFileId, source: i.source, zoomMeetingId: i.zoomMeetingId, meetingUuid: i.meetingUuid,
        state: i.state, foundMissing: i.foundMissing, workflowId: i.workflowId, error: i.error, updatedAt: iso(i.updatedAt),
      })),
    };
  });

  api.post('/tenants/:tenant/recovery/requests/:requestId/cancel', {
    config: operator,
    schema: {
      summary: 'Cancel a request: its waiting items are dropped; ingests already started finish', tags: ['recovery'], security,
      params: requestParams,
      response: { 202: z.object({ requestId: z.string(), workflowId: z.string(), status: z.literal('cancelling') }), 409: errorSchema.describe('The request is already done'), ...mutationErrors },
    },
  }, async (request, reply) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const row = await getRecoveryRequest(deps.db, tenant.id, request.params.requestId);
    if (!row) throw new HttpError(404, `tenant '${tenant.id}' has no recovery request '${request.params.requestId}'`);
    if (!['queued', 'running'].includes(row.status)) throw new HttpError(409, `recovery request '${row.id}' is ${row.status}: only a queued or running one is cancelled`);
    const workflowId = await signalRecovery(deps.temporal, tenant.id, { name: 'cancel', request: { requestId: row.id } });
    return reply.code(202).send({ requestId: row.id, workflowId, status: 'cancelling' as const });
  });

  api.get('/tenants/:tenant/recovery/progress', {
    schema: {
      summary: 'The recovery workflow\'s own view (its progress query): requests not done and the latest done', tags: ['recovery'], security,
      params: tenantParams,
      response: {
        200: z.object({
          workflowId: z.string(),
          running: z.boolean(),
          waiting: z.number().describe('Requests received by signal and not yet filed'),
          refused: z.array(z.string()).describe('Signals the workflow refused, and why'),
          requests: z.array(z.object({
            requestId: z.string(), kind: z.enum(['timeframe', 'meetings', 'files']), source: z.string().nullable(), status: z.enum(RECOVERY_STATUSES),
            requestedBy: z.string(), from: z.string().optional(), to: z.string().optional(), error: z.string().optional(), ...countsShape,
          })),
        }),
        503: errorSchema.describe('No worker answered the query in time'),
        ...readErrors,
      },
    },
  }, async (request) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const workflowId = recoveryWorkflowId(tenant.id);
    const handle = deps.temporal.client.workflow.getHandle(workflowId);
    try {
      const running = (await handle.describe()).status.name === 'RUNNING';
      // A query is answered by a worker: with none polling, it would wait; the requests list above needs none.
      const query = handle.query<RecoveryProgress & { waiting: number; refused: string[] }>('progress');
      query.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const progress = await Promise.race([
        query,
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new QueryTimeout()), PROGRESS_QUERY_MS); }),
      ]).finally(() => clearTimeout(timer));
      return { workflowId, running, waiting: progress.waiting, refused: progress.refused, requests: progress.requests };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { workflowId, running: false, waiting: 0, refused: [], requests: [] };
      if (err instanceof QueryTimeout) {
        // The query may still be answered later: nobody waits for it.
        throw new HttpError(503, `the recovery workflow ${workflowId} did not answer within ${PROGRESS_QUERY_MS / 1000} s: are the workers running? (GET .../recovery/requests reads the database instead)`);
      }
      throw err;
    }
  });
}

function summaryOf(r: NonNullable<Awaited<ReturnType<typeof getRecoveryRequest>>>, counts: z.infer<z.ZodObject<typeof countsShape>>) {
  return {
    requestId: r.id, kind: r.kind, source: r.source, status: r.status, requestedBy: r.requestedBy, reason: r.reason,
    from: iso(r.windowFrom), to: iso(r.windowTo), createdAt: iso(r.createdAt), finishedAt: iso(r.finishedAt), error: r.lastError,
    ...counts,
  };
}
