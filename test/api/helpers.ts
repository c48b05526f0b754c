import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { drizzle } from 'drizzle-orm/postgres-js';
import type { FastifyInstance } from 'fastify';
import postgres from 'postgres';
import { createApiServer, type ApiServerOptions } from '../../src/api/server.js';
import { openDatabase, type OpenDatabase } from '../../src/db/client.js';
import * as schema from '../../src/db/schema/index.js';
import { createSecretBox } from '../../src/security/secrets.js';
import { connectTestTemporal, createTestDatabase, type TestDatabase, type TestTemporal } from '../harness/index.js';

export interface TestApi {
  app: FastifyInstance;
  /** http://127.0.0.1:<port>, the server listening for real. */
  baseUrl: string;
  database: OpenDatabase;
  secrets: ApiServerOptions['secrets'];
  temporal: TestTemporal;
  /** Rows the API's own queries have read from PostgreSQL so far (the test's `database` is not counted). */
  rowsRead(): number;
  close(): Promise<void>;
}

/** The API on a real PostgreSQL database (through a client of its own that counts the rows it reads) and the real Temporal dev server, listening on loopback. */
export async function startTestApi(
  label: string,
  options: Partial<Pick<ApiServerOptions, 'apiTokens' | 'now' | 'rateLimitPerMinute'>> & { beforeListen?: (app: FastifyInstance) => void } = {},
): Promise<TestApi> {
  const testDb: TestDatabase = await createTestDatabase();
  const database = await openDatabase({ url: testDb.url });
  const secrets = createSecretBox(randomBytes(32).toString('base64'));
  const temporal = await connectTestTemporal(label);
  let rowsRead = 0;
  const apiClient = postgres(testDb.url, { max: 4, onnotice: () => undefined, transform: { row: { from: (row: unknown) => { rowsRead += 1; return row; } } } });
  const app = createApiServer({
    db: drizzle(apiClient, { schema }),
    secrets,
    temporal: { client: temporal.client, taskQueue: temporal.taskQueue },
    apiTokens: options.apiTokens ?? [],
    ...(options.now ? { now: options.now } : {}),
    ...(options.rateLimitPerMinute ? { rateLimitPerMinute: options.rateLimitPerMinute } : {}),
  });
  options.beforeListen?.(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    database,
    secrets,
    temporal,
    rowsRead: () => rowsRead,
    close: async () => {
      await app.close();
      await apiClient.end({ timeout: 5 });
      await temporal.close();
      await database.close();
      await testDb.drop();
    },
  };
}
