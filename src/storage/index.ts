import { join } from 'node:path';
import type { Env } from '../config/env.js';
import { LocalMediaStore } from './local-media-store.js';
import type { MediaStore } from './media-store.js';
import { createS3Client, S3MediaStore } from './s3-media-store.js';
import { LocalDropFolder, S3DropFolder, type DropFolder } from '../recovery/drop-folder.js';

export * from './media-store.js';
export * from './keys.js';
export { LocalMediaStore } from './local-media-store.js';
export { S3MediaStore, createS3Client, type S3Connection, type S3MediaStoreOptions } from './s3-media-store.js';

type StoreEnv = Pick<Env, 'DATA_DIR' | 'MEDIA_DIR' | 'S3_BUCKET' | 'S3_ENDPOINT' | 'S3_REGION' | 'S3_ACCESS_KEY_ID' | 'S3_SECRET_ACCESS_KEY' | 'S3_FORCE_PATH_STYLE'>;

const s3ClientOf = (env: StoreEnv) => createS3Client({
  endpoint: env.S3_ENDPOINT,
  region: env.S3_REGION,
  accessKeyId: env.S3_ACCESS_KEY_ID,
  secretAccessKey: env.S3_SECRET_ACCESS_KEY,
  forcePathStyle: env.S3_FORCE_PATH_STYLE,
});

/** S3 when S3_BUCKET is set, else the local folder MEDIA_DIR (default DATA_DIR/media). */
export function mediaStoreFromEnv(env: StoreEnv): MediaStore {
  if (env.S3_BUCKET) return new S3MediaStore({ bucket: env.S3_BUCKET, client: s3ClientOf(env) });
  return new LocalMediaStore(env.MEDIA_DIR ?? join(env.DATA_DIR, 'media'));
}

/** Support's CSV drop folder: RECOVERY_CSV_PREFIX of S3_BUCKET when media go to S3, else RECOVERY_CSV_DIR (default DATA_DIR/recovery). */
export function dropFolderFromEnv(env: StoreEnv & Pick<Env, 'RECOVERY_CSV_DIR' | 'RECOVERY_CSV_PREFIX'>): DropFolder {
  if (env.S3_BUCKET && !env.RECOVERY_CSV_DIR) return new S3DropFolder({ bucket: env.S3_BUCKET, client: s3ClientOf(env), prefix: env.RECOVERY_CSV_PREFIX });
  return new LocalDropFolder(env.RECOVERY_CSV_DIR ?? join(env.DATA_DIR, 'recovery'));
}
