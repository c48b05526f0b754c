import { hostname } from 'node:os';
import type { Env } from '../config/env.js';
import { databaseOptionsFromEnv, openDatabase, type Database } from '../db/client.js';
import { loadSecretBox, type SecretBox } from '../security/secrets.js';
import { mediaStoreFromEnv } from '../storage/index.js';
import type { ActivityDeps } from '../activities/deps.js';
import { createZoomClients } from '../activities/zoom-clients.js';

export interface ArchiverDeps {
  activities: ActivityDeps;
  db: Database;
  secrets: SecretBox;
  close(): Promise<void>;
}

/** Opens what a worker process needs (database migrated, secret key, media store, Zoom clients). */
export async function openArchiverDeps(env: Env): Promise<ArchiverDeps> {
  const { db, close } = await openDatabase(databaseOptionsFromEnv(env));
  const secrets = loadSecretBox({ dataDir: env.DATA_DIR, ...(env.ARCHIVER_SECRET_KEY ? { secretKey: env.ARCHIVER_SECRET_KEY } : {}) });
  const zoom = createZoomClients(db, secrets);
  return {
    activities: { db, store: mediaStoreFromEnv(env), zoom, location: hostname() },
    db,
    secrets,
    close: async () => {
      await zoom.close();
      await close();
    },
  };
}
