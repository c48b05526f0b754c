import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listConversations } from '../db/queries/conversations.js';
import { getReconciliationRun, listReconciliationRuns, reconciliationCounts } from '../db/queries/reconciliation.js';
import { RECONCILIATION_FAMILIES } from '../db/schema/reconciliation.js';
import { ZoomTenant } from '../workflows/search-attributes.js';
import { daysToReconcile, MAX_RECONCILE_DAYS, type ReconcileDaysInput } from '../workflows/reconcile-days.js';
import { cdrOf, cdrSchema } from './conversations-routes.js';
import { errorResponses, HttpError } from './errors.js';
import { iso, loadTenant, operator, paging, security, tenantParams, typed, utcDay, type RouteDeps } from './route-kit.js';

// Reconciliation on demand (src/workflows/reconcile-days.ts starts one `reconcile` per day and
// family, under the same IDs as the daily schedule's), its runs and their results: the
// recording_failed CDRs of a day.


const runSchema = z.object({
  family: z.enum(RECONCILIATION_FAMILIES),
  day: z.string(),
  status: z.string(),
  phase: z.string(),
  plan: z.string().nullable(),
  pagesWalked: z.number(),
  heavyCalls: z.number(),
  pausedUntil: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
  // Configured users Zoom refused (deleted, not in the account): the day was reconciled without them.
  userErrors: z.array(z.object({ zoomUserId: z.string(), error: z.string() })),
  found: z.number(), checked: z.number(), archived: z.number(), missing: z.number(),
  notRecorded: z.number(), notOurs: z.number(), notExpected: z.number(), skipped: z.number(), failedCdrs: z.number(),
});

const dayParams = tenantParams.extend({ family: z.enum(RECONCILIATION_FAMILIES), day: utcDay('The UTC day reconciled') });
const errors = { 400: errorResponses[400], 401: errorResponses[401], 403: errorResponses[403], 404: errorResponses[404], 429: errorResponses[429] };

export function registerReconciliationRoutes(scope: FastifyInstance, deps: RouteDeps): void {
  const api = typed(scope);

  const runOf = async (tenantId: string, run: NonNullable<Awaited<ReturnType<typeof getReconciliationRun>>>) => ({
    family: run.family, day: run.day, status: run.status, phase: run.phase, plan: run.plan,
    pagesWalked: run.pagesWalked, heavyCalls: run.heavyCalls, pausedUntil: iso(run.pausedUntil),
    startedAt: iso(run.startedAt), finishedAt: iso(run.finishedAt), error: run.lastError, userErrors: run.userErrors,
    ...await reconciliationCounts(deps.db, tenantId, { family: run.family, day: run.day }),
  });

  api.post('/tenants/:tenant/reconciliation', {
    config: operator,
    schema: {
      summary: `Reconcile a range of ended UTC days (at most ${MAX_RECONCILE_DAYS}) now`, tags: ['reconciliation'], security, params: tenantParams,
      body: z.strictObject({ from: utcDay('First day'), to: utcDay('Last day (ended)'), families: z.array(z.enum(RECONCILIATION_FAMILIES)).min(1).optional() }),
      response: { 202: z.object({ workflowId: z.string(), days: z.array(z.string()), status: z.enum(['started', 'already_running']) }), 415: errorResponses[415], ...errors },
    },
  }, async (request, reply) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const { from, to, families } = request.body;
    let days: string[];
    try {
      days = daysToReconcile({ from, to }, Date.now());
    } catch (err) {
      throw new HttpError(400, 'invalid range', [`body: ${(err as Error).message}`]);
    }
    const input: ReconcileDaysInput = { tenantId: tenant.id, from, to, ...(families ? { families: [...new Set(families)] } : {}) };
    const workflowId = `reconcile-days:${tenant.id}:${from}..${to}`;
    try {
      await deps.temporal.client.workflow.start('reconcileDays', {
        workflowId, taskQueue: deps.temporal.taskQueue, args: [input],
        // Asked again once done: the days run again (each day's own ID keeps runs from doubling).
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: [{ key: ZoomTenant, value: tenant.id }],
        staticSummary: `Reconcile ${from}..${to} of tenant ${tenant.id} (asked by ${request.principal!.name})`,
      });
      return reply.code(202).send({ workflowId, days, status: 'started' as const });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return reply.code(202).send({ workflowId, days, status: 'already_running' as const });
      throw err;
    }
  });

  api.get('/tenants/:tenant/reconciliation', {
    schema: {
      summary: 'The tenant\'s reconciliation runs, newest day first, with their counts', tags: ['reconciliation'], security, params: tenantParams,
      querystring: z.strictObject({ limit: paging.limit }),
      response: { 200: z.object({ tenant: z.string(), runs: z.array(runSchema) }), ...errors },
    },
  }, async (request) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const runs = await listReconciliationRuns(deps.db, tenant.id, request.query.limit);
    return { tenant: tenant.id, runs: await Promise.all(runs.map((r) => runOf(tenant.id, r))) };
  });

  api.get('/tenants/:tenant/reconciliation/:family/:day', {
    schema: { summary: 'One day\'s reconciliation: its phase, plan, quota use and counts', tags: ['reconciliation'], security, params: dayParams, response: { 200: runSchema, ...errors } },
  }, async (request) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const run = await getReconciliationRun(deps.db, tenant.id, { family: request.params.family, day: request.params.day });
    if (!run) throw new HttpError(404, `tenant '${tenant.id}' has no ${request.params.family} reconciliation of ${request.params.day}`);
    return runOf(tenant.id, run);
  });

  api.get('/tenants/:tenant/reconciliation/:family/:day/failed-cdrs', {
    schema: {
      summary: 'The recording_failed CDRs of a day: conversations held but not recorded or not archived, with the reason', tags: ['reconciliation'], security,
      params: dayParams, querystring: z.strictObject(paging),
      response: { 200: z.object({ tenant: z.string(), day: z.string(), conversations: z.array(cdrSchema) }), ...errors },
    },
  }, async (request) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const { family, day: d } = request.params;
    const start = new Date(`${d}T00:00:00Z`);
    const rows = await listConversations(deps.db, tenant.id, {
      sourcePlatform: family === 'phone' ? 'Zoom Phone' : 'Zoom Meeting',
      recordingFailed: true,
      from: start,
      to: new Date(start.getTime() + 86_400_000),
      limit: request.query.limit,
      offset: request.query.offset,
    });
    return { tenant: tenant.id, day: d, conversations: rows.map(cdrOf) };
  });
}
