import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { pageMediaFiles } from '../db/queries/media-files.js';
import { MEDIA_FILE_STATES } from '../db/schema/media-files.js';
import { errorResponses } from './errors.js';
import { iso, loadTenant, paging, security, tenantParams, typed, type RouteDeps } from './route-kit.js';

// Support's view of a tenant's files (`?state=failed` for what failed and why). The way back from
// a failed file is the recovery (recovery-routes.ts: /files/retry, /files/{fileId}/retry).

const fileSchema = z.object({
  zoomFileId: z.string(),
  meetingUuid: z.string().describe('The meeting UUID, or the call id of a phone recording'),
  sourcePlatform: z.string(),
  fileType: z.string(),
  recordingType: z.string().nullable(),
  state: z.enum(MEDIA_FILE_STATES),
  zoomStatus: z.string(),
  zoomSize: z.number().nullable(),
  storedSize: z.number().nullable(),
  sha256: z.string().nullable(),
  storageKey: z.string(),
  error: z.string().nullable(),
  skipReason: z.string().nullable(),
  updatedAt: z.string(),
});

export function registerFileRoutes(scope: FastifyInstance, deps: RouteDeps): void {
  typed(scope).get('/tenants/:tenant/files', {
    schema: {
      summary: 'The tenant\'s media files, by state (failed: with the reason)',
      description: 'Oldest recording first, then by file id: a stable order to page through with limit and offset. `total` counts every file that matches.',
      tags: ['files'], security, params: tenantParams,
      querystring: z.strictObject({ state: z.enum(MEDIA_FILE_STATES).optional(), meetingUuid: z.string().min(1).max(200).optional(), ...paging }),
      response: {
        200: z.object({ tenant: z.string(), total: z.number().describe('Every matching file, not only this page'), files: z.array(fileSchema) }),
        400: errorResponses[400], 401: errorResponses[401], 403: errorResponses[403], 404: errorResponses[404], 429: errorResponses[429],
      },
    },
  }, async (request) => {
    const tenant = await loadTenant(deps.db, request.params.tenant);
    const { state, meetingUuid, limit, offset } = request.query;
    const { total, files } = await pageMediaFiles(deps.db, tenant.id, { ...(state ? { state } : {}), ...(meetingUuid ? { platformCallId: meetingUuid } : {}) }, { limit, offset });
    return {
      tenant: tenant.id,
      total,
      files: files.map((f) => ({
        zoomFileId: f.zoomFileId,
        meetingUuid: f.platformCallId,
        sourcePlatform: f.sourcePlatform,
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
        updatedAt: iso(f.updatedAt),
      })),
    };
  });
}
