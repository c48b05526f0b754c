import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { readEnv } from '../config/env.js';
import { databaseOptionsFromEnv, openDatabase, type Database } from '../db/client.js';
import { archiveSummary } from '../db/queries/archive-summary.js';
import { listSyncStates } from '../db/queries/sync-state.js';
import { getTenant, listTenants } from '../db/queries/tenants.js';
import { listUserListingStates } from '../db/queries/user-listing-states.js';
import { loadSecretBox, type SecretBox } from '../security/secrets.js';
import { parseApiTokens, requireBearerToken } from './auth.js';
import { connectClient } from '../temporal/connect.js';
import { prepareNamespace } from '../temporal/prepare-namespace.js';
import { registerConversationRoutes } from './conversations-routes.js';
import { registerFileRoutes } from './files-routes.js';
import { registerWebhookRoutes } from './webhooks.js';

export interface ApiServerOptions {
  db: Database;
  secrets: SecretBox;
  temporal: { client: Client; taskQueue: string };
  /** Bearer tokens accepted on the support routes (`/api/...`), e.g. parseApiTokens(API_TOKENS). */
  apiTokens: readonly string[];
  /** The clock for webhook timestamps (tests). */
  now?: () => Date;
  /** Fastify's logger; when on, credentials and signatures are redacted. Off by default. */
  logger?: boolean | Exclude<FastifyServerOptions['logger'], undefined>;
}

// Never in logs: the support API's bearer token, Zoom's signature, an app's custom auth header.
const REDACT = ['req.headers.authorization', 'req.headers["x-zm-signature"]', 'req.headers.cookie'];

/**
 * The HTTP API: Zoom's webhooks (`POST /webhooks/zoom/:tenant`, signature-verified), and the
 * support routes under `/api` (bearer token). Later issues add recovery and status routes there.
 */
export function createApiServer(options: ApiServerOptions): FastifyInstance {
  const logger = options.logger === true ? { redact: REDACT } : options.logger && typeof options.logger === 'object' ? { ...options.logger, redact: REDACT } : false;
  const app = Fastify({ logger });
  app.get('/healthz', async () => ({ status: 'ok' }));

  registerWebhookRoutes(app, { db: options.db, secrets: options.secrets, temporal: options.temporal, now: options.now ?? (() => new Date()) });

  void app.register(
    async (api) => {
      api.addHook('onRequest', requireBearerToken(options.apiTokens));
      api.get('/tenants', async () => ({
        tenants: (await listTenants(options.db)).map((t) => ({
          id: t.id,
          name: t.name,
          plan: t.plan,
          sources: { archiving: t.archivingEnabled, cloudRecordings: t.cloudRecordingsEnabled, phone: t.phoneEnabled },
          pollIntervalSeconds: t.pollIntervalSeconds,
        })),
      }));
      // What support needs to answer "is tenant X archiving?": each source's last sync and the archive's size.
      api.get<{ Params: { tenant: string } }>('/tenants/:tenant/status', async (request, reply) => {
        const tenant = await getTenant(options.db, request.params.tenant);
        if (!tenant) return reply.code(404).send({ error: `unknown tenant '${request.params.tenant}'` });
        const syncs = await listSyncStates(options.db, tenant.id);
        const users = await listUserListingStates(options.db, tenant.id, 'cloud_recordings');
        return {
          tenant: tenant.id,
          syncs: syncs.map((s) => ({
            source: s.source,
            status: s.status,
            authorizationStatus: s.authorizationStatus,
            lastAttemptAt: s.lastAttemptAt,
            lastSuccessAt: s.lastSuccessAt,
            watermark: s.watermark,
            lastError: s.lastError,
          })),
          // Users Zoom answered with an error (deleted, not in the account): their windows stay open until fixed.
          usersNotListed: users.filter((u) => u.lastError).map((u) => ({
            zoomUserId: u.zoomUserId, error: u.lastError, since: u.lastErrorAt, listedUntil: u.listedUntil,
          })),
          archive: await archiveSummary(options.db, tenant.id),
        };
      });
      registerFileRoutes(api, { db: options.db, temporal: options.temporal });
      registerConversationRoutes(api, { db: options.db });
    },
    { prefix: '/api' },
  );
  return app;
}

// Run as a process of its own (docker-compose, API replicas): `npm run api`. Like a worker, it
// registers missing search attributes and syncs the tenants' schedules before it serves.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = readEnv();
  const port = Number(process.env.API_PORT ?? 3000);
  const { db, close } = await openDatabase(databaseOptionsFromEnv(env));
  const secrets = loadSecretBox({ ...(env.ARCHIVER_SECRET_KEY ? { secretKey: env.ARCHIVER_SECRET_KEY } : {}), dataDir: env.DATA_DIR });
  const { client, connection } = await connectClient(env);
  await prepareNamespace({ connection, client, db, taskQueue: env.TEMPORAL_TASK_QUEUE, log: (line) => console.log(`api: ${line}`) });
  const apiTokens = parseApiTokens(process.env.API_TOKENS);
  const app = createApiServer({
    db,
    secrets,
    temporal: { client, taskQueue: env.TEMPORAL_TASK_QUEUE },
    apiTokens,
    logger: true,
  });
  if (apiTokens.length === 0) app.log.warn('API_TOKENS is empty: every support route answers 401');
  const stop = async () => {
    await app.close();
    await connection.close();
    await close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await app.listen({ host: '0.0.0.0', port });
}
