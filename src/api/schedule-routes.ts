import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { TENANT_SCHEDULES, tenantScheduleId } from '../schedules/tenant-schedules.js';
import { errorResponses, HttpError } from './errors.js';
import { iso, loadTenant, operator, security, tenantParams, typed, type RouteDeps } from './route-kit.js';

// Ops' hold on a tenant's schedules (sync per source, daily reconciliation, CSV drop folder):
// read them, pause and unpause with a note, trigger now, backfill a range. All through Temporal's
// schedule handles: the schedule is the truth, nothing is kept beside it.

/** A backfill runs every missed interval of the range: a month of 5-minute syncs is already 8,640 runs. */
const MAX_BACKFILL_DAYS = 31;

const scheduleParams = tenantParams.extend({
  schedule: z.enum(TENANT_SCHEDULES).describe('The tenant\'s schedule: a source (archiving, cloud_recordings, phone), reconcile or csv'),
});

const scheduleSchema = z.object({
  schedule: z.enum(TENANT_SCHEDULES),
  scheduleId: z.string(),
  workflowType: z.string().nullable(),
  paused: z.boolean(),
  note: z.string().nullable(),
  every: z.string().nullable().describe('The interval, e.g. 300s; null for a daily calendar'),
  nextRuns: z.array(z.string()),
  recentRuns: z.array(z.object({ scheduledAt: z.string(), workflowId: z.string() })),
});

const done = z.object({ schedule: z.enum(TENANT_SCHEDULES), scheduleId: z.string(), status: z.enum(['paused', 'unpaused', 'triggered', 'backfilling']) });
const noteBody = z.strictObject({ note: z.string().min(1).max(500).describe('Why: shown in the Temporal UI beside the schedule') });
const backfillBody = z.strictObject({
  from: z.iso.datetime({ offset: true }).describe('Start of the range (ISO 8601)'),
  to: z.iso.datetime({ offset: true }).describe('End of the range (ISO 8601), at most 31 days after from, not in the future'),
});
const errors = { 400: errorResponses[400], 401: errorResponses[401], 403: errorResponses[403], 404: errorResponses[404], 415: errorResponses[415], 429: errorResponses[429] };

export function registerScheduleRoutes(scope: FastifyInstance, deps: RouteDeps): void {
  const api = typed(scope);
  const { client } = deps.temporal;

  /** The schedule's handle, or a 404 when the tenant has no such schedule (the source is off, say). */
  const scheduleOf = async (tenantId: string, name: (typeof TENANT_SCHEDULES)[number]) => {
    await loadTenant(deps.db, tenantId);
    const scheduleId = tenantScheduleId(tenantId, name);
    const handle = client.schedule.getHandle(scheduleId);
    try {
      return { scheduleId, handle, description: await handle.describe() };
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw new HttpError(404, `tenant '${tenantId}' has no ${name} schedule (${scheduleId}): is it enabled?`);
      throw err;
    }
  };

  api.get('/tenants/:tenant/schedules', {
    schema: { summary: 'The tenant\'s schedules: paused or not, with the note, next and recent runs', tags: ['schedules'], security, params: tenantParams, response: { 200: z.object({ tenant: z.string(), schedules: z.array(scheduleSchema) }), ...errors } },
  }, async (request) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const schedules = [];
    for (const name of TENANT_SCHEDULES) {
      const scheduleId = tenantScheduleId(tenant.id, name);
      let d;
      try {
        d = await client.schedule.getHandle(scheduleId).describe();
      } catch (err) {
        if (err instanceof ScheduleNotFoundError) continue;
        throw err;
      }
      const every = d.spec.intervals?.[0]?.every;
      schedules.push({
        schedule: name,
        scheduleId,
        workflowType: d.action.type === 'startWorkflow' ? d.action.workflowType : null,
        paused: d.state.paused,
        note: d.state.note ?? null,
        every: typeof every === 'number' ? `${every / 1000}s` : every ? String(every) : null,
        nextRuns: d.info.nextActionTimes.slice(0, 3).map((t) => iso(t)),
        recentRuns: d.info.recentActions.slice(-5).map((a) => ({ scheduledAt: iso(a.scheduledAt), workflowId: a.action.workflow.workflowId })),
      });
    }
    return { tenant: tenant.id, schedules };
  });

  for (const action of ['pause', 'unpause'] as const) {
    api.post(`/tenants/:tenant/schedules/:schedule/${action}`, {
      config: operator,
      schema: { summary: `${action === 'pause' ? 'Pause' : 'Unpause'} a schedule, with a note`, tags: ['schedules'], security, params: scheduleParams, body: noteBody, response: { 200: done, ...errors } },
    }, async (request) => {
      const { scheduleId, handle } = await scheduleOf(request.params.tenant, request.params.schedule);
      // The note says who: the Temporal UI shows it beside the schedule.
      await handle[action](`${request.body.note} (${request.principal!.name})`);
      return { schedule: request.params.schedule, scheduleId, status: action === 'pause' ? 'paused' as const : 'unpaused' as const };
    });
  }

  api.post('/tenants/:tenant/schedules/:schedule/trigger', {
    config: operator,
    schema: { summary: 'Run a schedule now (skipped if its previous run is still going)', tags: ['schedules'], security, params: scheduleParams, response: { 200: done, ...errors } },
  }, async (request) => {
    const { scheduleId, handle } = await scheduleOf(request.params.tenant, request.params.schedule);
    await handle.trigger(ScheduleOverlapPolicy.SKIP);
    return { schedule: request.params.schedule, scheduleId, status: 'triggered' as const };
  });

  api.post('/tenants/:tenant/schedules/:schedule/backfill', {
    config: operator,
    schema: { summary: 'Run a schedule for the intervals of a past range, one after another', tags: ['schedules'], security, params: scheduleParams, body: backfillBody, response: { 200: done, ...errors } },
  }, async (request) => {
    const from = new Date(request.body.from);
    const to = new Date(request.body.to);
    const problems = [];
    if (from >= to) problems.push('body.to: must be after from');
    if (to.getTime() - from.getTime() > MAX_BACKFILL_DAYS * 86_400_000) problems.push(`body.to: a backfill spans at most ${MAX_BACKFILL_DAYS} days`);
    if (to.getTime() > Date.now()) problems.push('body.to: must not be in the future');
    if (problems.length > 0) throw new HttpError(400, 'invalid backfill', problems);
    const { scheduleId, handle } = await scheduleOf(request.params.tenant, request.params.schedule);
    // One run after another: two syncs of a source never run at once.
    await handle.backfill([{ start: from, end: to, overlap: ScheduleOverlapPolicy.BUFFER_ALL }]);
    return { schedule: request.params.schedule, scheduleId, status: 'backfilling' as const };
  });
}
