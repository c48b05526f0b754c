import { hostname } from 'node:os';
import type { Env } from '../config/env.js';
import { databaseOptionsFromEnv, openDatabase, type Database } from '../db/client.js';
import { loadSecretBox, type SecretBox } from '../security/secrets.js';
import { dropFolderFromEnv, mediaStoreFromEnv } from '../storage/index.js';
import { connectClient } from '../temporal/connect.js';
import type { ActivityDeps } from '../activities/deps.js';
import { createZoomClients } from '../activities/zoom-clients.js';

export interface ArchiverDeps {
  activities: ActivityDeps;
  db: Database;
  secrets: SecretBox;
  close(): Promise<void>;
}

/**
 * Opens what a worker process needs (database migrated, secret key, media store, Zoom clients, the
 * CSV drop folder, and a Temporal client for activities that signal the recovery workflow).
 */
export async function openArchiverDeps(env: Env, temporalAddress?: string): Promise<ArchiverDeps> {
  const { db, close } = await openDatabase(databaseOptionsFromEnv(env));
  const secrets = loadSecretBox({ dataDir: env.DATA_DIR, ...(env.ARCHIVER_SECRET_KEY ? { secretKey: env.ARCHIVER_SECRET_KEY } : {}) });
  const zoom = createZoomClients(db, secrets);
  const temporal = await connectClient(env, temporalAddress);
  return {
    activities: {
      db, store: mediaStoreFromEnv(env), zoom, location: hostname(),
      dropFolder: dropFolderFromEnv(env),
      temporal: { client: temporal.client, taskQueue: env.TEMPORAL_TASK_QUEUE },
    },
    db,
    secrets,
    close: async () => {
      await zoom.close();
      await temporal.connection.close();
      await close();
    },
  };
}
