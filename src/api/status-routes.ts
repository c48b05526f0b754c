import { z } from 'zod';
import { archiveSummary } from '../db/queries/archive-summary.js';
import { latestFailedFiles } from '../db/queries/media-files.js';
import { listRecoveryRequests } from '../db/queries/recovery.js';
import { listSyncStates } from '../db/queries/sync-state.js';
import { enabledSources, listTenants } from '../db/queries/tenants.js';
import { SYNC_SOURCES } from '../db/schema/sync.js';
import { listUserListingStates } from '../db/queries/user-listing-states.js';
import { errorResponses } from './errors.js';
import { iso, loadTenant, security, tenantParams, typed, type RouteDeps } from './route-kit.js';
import type { FastifyInstance } from 'fastify';

// "Is tenant Y healthy?": the tenants a key may see, and per tenant and source the four things the
// product this replaces showed (sync running/finished/error, last attempt, recordings fetched
// till, authorization), with what failed and why.

const tenantSchema = z.object({
  id: z.string(),
  name: z.string(),
  plan: z.string(),
  sources: z.array(z.enum(SYNC_SOURCES)),
  pollIntervalSeconds: z.number(),
});

const syncSchema = z.object({
  source: z.enum(SYNC_SOURCES),
  process: z.enum(['running', 'finished', 'error']).describe('The sync process: running, finished, or error (finished_with_errors and failed)'),
  status: z.string().describe('The detailed status: running, finished, finished_with_errors, failed'),
  lastAttemptAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  recordingsFetchedTill: z.string().nullable().describe('The watermark: recordings up to here are archived or visibly failed'),
  authorizationStatus: z.string(),
  lastError: z.string().nullable(),
});

/** Failed files the status names: enough to see what is failing and why without paging. */
const RECENT_FAILURES = 10;

const statusSchema = z.object({
  tenant: z.string(),
  healthy: z.boolean().describe('Every enabled source authorized, its last sync not in error, no failed file'),
  syncs: z.array(syncSchema),
  usersNotListed: z.array(z.object({ zoomUserId: z.string(), error: z.string().nullable(), since: z.string().nullable(), listedUntil: z.string().nullable() })),
  archive: z.object({
    conversations: z.number(), meetings: z.number(), calls: z.number(), cdrs: z.number(),
    filesStored: z.number(), bytesStored: z.number(), filesPending: z.number(), filesFailed: z.number(), filesSkipped: z.number(),
  }),
  recentFailures: z.array(z.object({
    zoomFileId: z.string(),
    meetingUuid: z.string().describe('The meeting UUID, or the call id of a phone recording'),
    sourcePlatform: z.string(),
    error: z.string().nullable(),
    failedAt: z.string(),
  })).describe(`The latest failed files (at most ${RECENT_FAILURES}), newest first, with why; every one: GET /files?state=failed`),
  recoveriesActive: z.number(),
});


export function registerStatusRoutes(scope: FastifyInstance, deps: RouteDeps): void {
  const api = typed(scope);
  api.get('/tenants', {
    schema: { summary: 'The tenants this key may see', tags: ['status'], security, response: { 200: z.object({ tenants: z.array(tenantSchema) }), 401: errorResponses[401], 429: errorResponses[429] } },
  }, async (request) => {
    const allowed = request.principal?.tenants;
    return {
      tenants: (await listTenants(deps.db)).filter((t) => !allowed || allowed.includes(t.id)).map((t) => ({
        id: t.id, name: t.name, plan: t.plan, sources: enabledSources(t), pollIntervalSeconds: t.pollIntervalSeconds,
      })),
    };
  });

  api.get('/tenants/:tenant/status', {
    schema: {
      summary: 'A tenant\'s health: each source\'s sync, failed files, users Zoom would not list',
      tags: ['status'], security, params: tenantParams,
      response: { 200: statusSchema, 400: errorResponses[400], 401: errorResponses[401], 403: errorResponses[403], 404: errorResponses[404], 429: errorResponses[429] },
    },
  }, async (request) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const enabled = enabledSources(tenant);
    const states = (await listSyncStates(deps.db, tenant.id)).filter((s) => enabled.includes(s.source));
    const users = await listUserListingStates(deps.db, tenant.id, 'cloud_recordings');
    const archive = await archiveSummary(deps.db, tenant.id);
    const failures = archive.filesFailed > 0 ? await latestFailedFiles(deps.db, tenant.id, RECENT_FAILURES) : [];
    const active = [
      ...await listRecoveryRequests(deps.db, tenant.id, { status: 'running', limit: 100 }),
      ...await listRecoveryRequests(deps.db, tenant.id, { status: 'queued', limit: 100 }),
    ];
    const syncs = states.map((s) => ({
      source: s.source,
      process: s.status === 'running' ? 'running' as const : s.status === 'finished' ? 'finished' as const : 'error' as const,
      status: s.status,
      lastAttemptAt: iso(s.lastAttemptAt),
      lastSuccessAt: iso(s.lastSuccessAt),
      recordingsFetchedTill: iso(s.watermark),
      authorizationStatus: s.authorizationStatus,
      lastError: s.lastError,
    }));
    const usersNotListed = users.filter((u) => u.lastError).map((u) => ({
      zoomUserId: u.zoomUserId, error: u.lastError, since: iso(u.lastErrorAt), listedUntil: iso(u.listedUntil),
    }));
    return {
      tenant: tenant.id,
      healthy: archive.filesFailed === 0 && usersNotListed.length === 0
        && syncs.every((s) => s.process !== 'error' && s.authorizationStatus !== 'unauthorized'),
      syncs,
      usersNotListed,
      archive,
      recentFailures: failures.map((f) => ({ zoomFileId: f.zoomFileId, meetingUuid: f.platformCallId, sourcePlatform: f.sourcePlatform, error: f.lastError, failedAt: iso(f.updatedAt) })),
      recoveriesActive: active.length,
    };
  });
}
