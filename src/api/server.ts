import { fileURLToPath } from 'node:url';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readEnv } from '../config/env.js';
import { databaseOptionsFromEnv, openDatabase, type Database } from '../db/client.js';
import { MAX_CSV_BYTES } from '../recovery/meeting-csv.js';
import { loadSecretBox, type SecretBox } from '../security/secrets.js';
import { connectClient } from '../temporal/connect.js';
import { prepareNamespace } from '../temporal/prepare-namespace.js';
import { installAccessControl, parseApiTokens, rateLimitKeyOf } from './access.js';
import { registerConversationRoutes } from './conversations-routes.js';
import { HttpError, installErrorHandlers } from './errors.js';
import { registerFileRoutes } from './files-routes.js';
import { registerHealthRoutes } from './health-routes.js';
import { refuseNulCharacters } from './route-kit.js';
import { meetingsBody, registerRecoveryRoutes } from './recovery-routes.js';
import { registerReconciliationRoutes } from './reconciliation-routes.js';
import { registerScheduleRoutes } from './schedule-routes.js';
import { registerStatusRoutes } from './status-routes.js';
import { registerWebhookRoutes } from './webhooks.js';

export interface ApiServerOptions {
  db: Database;
  secrets: SecretBox;
  temporal: { client: Client; taskQueue: string };
  /** Operator tokens for every tenant from the environment (API_TOKENS), besides the keys in the database. */
  apiTokens: readonly string[];
  /** Requests per minute per key (default 600). */
  rateLimitPerMinute?: number;
  /** The clock for webhook timestamps (tests). */
  now?: () => Date;
  /** Fastify's logger; when on, credentials and signatures are redacted. Off by default. */
  logger?: boolean | Exclude<FastifyServerOptions['logger'], undefined>;
}

// Never in logs: the support API's keys, Zoom's signature, an app's custom auth header.
const REDACT = ['req.headers.authorization', 'req.headers["x-zm-signature"]', 'req.headers.cookie'];

/** JSON bodies: a meetings list of 10,000 UUIDs is about 300 KB; a CSV has its own limit. */
const BODY_LIMIT = MAX_CSV_BYTES;

/**
 * The HTTP API: Zoom's webhooks (`POST /webhooks/zoom/:tenant`, signature-verified); the support
 * API under `/api` (API keys with roles, rate-limited per key, mutations audit-logged), described
 * by the OpenAPI 3.1 document at `/openapi.json` and its Swagger UI at `/docs`; `/healthz` and
 * `/readyz`. Every route speaks to Temporal by signals, queries, schedule handles or starts.
 */
export function createApiServer(options: ApiServerOptions): FastifyInstance {
  const logger = options.logger === true ? { redact: REDACT } : options.logger && typeof options.logger === 'object' ? { ...options.logger, redact: REDACT } : false;
  // Path parameters up to 500 characters: longer ones are refused by the routes' own schemas (400), not by the router (414).
  const app = Fastify({ logger, bodyLimit: BODY_LIMIT, routerOptions: { maxParamLength: 500 } });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandlers(app);
  const deps = { db: options.db, temporal: options.temporal };

  void app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Zoom recording archiver: support API',
        version: '1.0.0',
        description: 'Recovery, status, schedules, reconciliation and CDR search. Every /api route needs `Authorization: Bearer <API key>`; viewer keys read, operator keys also act. Errors are `{ error, details? }`.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (za_<id>_<secret>) made with `npm run keys -- create`' } } },
    },
    transform: jsonSchemaTransform,
    transformObject: (document) => withCsvBody(jsonSchemaTransformObject(document)),
  });
  void app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerHealthRoutes(app, deps);
  registerWebhookRoutes(app, { db: options.db, secrets: options.secrets, temporal: options.temporal, now: options.now ?? (() => new Date()) });

  void app.register(async (api) => {
    // Per verified key, else per address: one client cannot starve the rest. Not on every route
    // (global: false): access control spends it once it knows the key.
    await api.register(fastifyRateLimit, {
      global: false,
      max: options.rateLimitPerMinute ?? 600,
      timeWindow: '1 minute',
      keyGenerator: rateLimitKeyOf,
      errorResponseBuilder: (request, context) => new HttpError(429, `too many requests: at most ${context.max} a minute per ${request.principal ? 'key' : 'client address without a valid key'}; retry in ${Math.ceil(context.ttl / 1000)} s`),
    });
    installAccessControl(api, { db: options.db, staticTokens: options.apiTokens, rateLimit: api.rateLimit() });
    refuseNulCharacters(api);
    registerStatusRoutes(api, deps);
    registerFileRoutes(api, deps);
    registerConversationRoutes(api, deps);
    registerRecoveryRoutes(api, deps);
    registerScheduleRoutes(api, deps);
    registerReconciliationRoutes(api, deps);
  }, { prefix: '/api' });
  return app;
}

type OpenApiDocument = ReturnType<typeof jsonSchemaTransformObject>;

/** The meetings route takes JSON or a CSV: its body is described here (Fastify's schema holds one content type). */
function withCsvBody(document: OpenApiDocument): OpenApiDocument {
  const paths = document.paths as Record<string, Record<string, Record<string, unknown>>> | undefined;
  const post = paths?.['/api/tenants/{tenant}/recovery/meetings']?.post;
  if (post) {
    post.requestBody = {
      required: true,
      content: {
        'application/json': { schema: z.toJSONSchema(meetingsBody, { io: 'input' }) },
        'text/csv': { schema: { type: 'string', description: 'One meeting ID or UUID per line; optional header' } },
      },
    };
  }
  return document;
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
  const app = createApiServer({
    db,
    secrets,
    temporal: { client, taskQueue: env.TEMPORAL_TASK_QUEUE },
    apiTokens: parseApiTokens(process.env.API_TOKENS),
    ...(process.env.API_RATE_LIMIT_PER_MINUTE ? { rateLimitPerMinute: Number(process.env.API_RATE_LIMIT_PER_MINUTE) } : {}),
    logger: true,
  });
  const stop = async () => {
    await app.close();
    await connection.close();
    await close();
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  await app.listen({ host: '0.0.0.0', port });
}
