import { z } from 'zod';

// The environment is read and validated once, here, at the edge; everything inside takes the typed
// values. Every setting has an embedded default so `npm start` runs on a fresh clone.
const envSchema = z.object({
  DATA_DIR: z.string().default('./data'),

  // PostgreSQL; when absent the embedded PGlite database in DATA_DIR/pglite is used.
  DATABASE_URL: z.string().url().optional(),

  // Media store: S3 when S3_BUCKET is set, else a local folder (MEDIA_DIR, default DATA_DIR/media).
  MEDIA_DIR: z.string().optional(),
  S3_BUCKET: z.string().min(3).optional(),
  S3_ENDPOINT: z.string().url().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  // Create the bucket at start when it is missing (a fresh MinIO in docker-compose); off: a missing bucket fails the start.
  S3_CREATE_BUCKET: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),

  // Support's CSV drop folder, <root>/<tenant>/csv/: a prefix of S3_BUCKET when media go to S3,
  // else a local folder (default DATA_DIR/recovery).
  RECOVERY_CSV_DIR: z.string().optional(),
  RECOVERY_CSV_PREFIX: z.string().default('recovery/'),

  // Temporal; when TEMPORAL_ADDRESS is absent `npm start` runs the local dev server.
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('zoom-archiver'),
  // Temporal Cloud: an API key (the connection then uses TLS).
  TEMPORAL_API_KEY: z.string().optional(),

  // 32 bytes, base64: encrypts Zoom client secrets and webhook secret tokens at rest.
  ARCHIVER_SECRET_KEY: z.string().optional(),
});

export type Env = z.infer<typeof envSchema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid environment: ${problems}`);
  }
  return parsed.data;
}
