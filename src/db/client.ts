import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { Env } from '../config/env.js';
import * as schema from './schema/index.js';

/** One type for both drivers: query code never knows whether it runs on PostgreSQL or PGlite. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface OpenDatabase {
  db: Database;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL URL; when absent PGlite is used. */
  url?: string;
  /** PGlite's data folder; in memory when absent too (tests only). */
  dataDir?: string;
  migrationsFolder?: string;
}

/** DATABASE_URL when set, else the embedded PGlite database in DATA_DIR/pglite. */
export const databaseOptionsFromEnv = (env: Pick<Env, 'DATABASE_URL' | 'DATA_DIR'>): OpenDatabaseOptions =>
  env.DATABASE_URL ? { url: env.DATABASE_URL } : { dataDir: join(env.DATA_DIR, 'pglite') };

const defaultMigrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

// Any constant works; it only has to be the same for every process migrating this database.
const MIGRATION_LOCK = 7_135_090_117;

/**
 * Several workers may start at once: one migrates while the others wait on an advisory lock. A
 * single-connection client keeps the lock and the migration on the same session.
 */
async function migrateWithLock(url: string, migrationsFolder: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migratePostgres(drizzlePostgres(client), { migrationsFolder });
  } finally {
    await client.end({ timeout: 5 });
  }
}

/** Opens the database and brings its schema up to date with the migrations in drizzle/. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<OpenDatabase> {
  const migrationsFolder = options.migrationsFolder ?? defaultMigrationsFolder;
  if (options.url) {
    await migrateWithLock(options.url, migrationsFolder);
    const client = postgres(options.url, { max: 10, onnotice: () => undefined });
    return { db: drizzlePostgres(client, { schema }), close: () => client.end({ timeout: 5 }) };
  }

  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const client = await PGlite.create(options.dataDir);
  try {
    await migratePglite(drizzlePglite(client), { migrationsFolder });
  } catch (err) {
    await client.close();
    throw err;
  }
  return { db: drizzlePglite(client, { schema }), close: () => client.close() };
}
