import { PassThrough, type Readable } from 'node:stream';
import { Context, heartbeat } from '@temporalio/activity';
import { getMediaFile, markMediaFileStored } from '../db/queries/media-files.js';
import type { OpenBody, PutCheckpoint } from '../storage/media-store.js';
import type { ActivityDeps } from './deps.js';
import { mappingFailures } from './failures.js';

/** Heartbeats carry the bytes streamed so far; a stalled download stops heartbeating and is retried. */
const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Files from this size on are stored with checkpoints, so an attempt that dies (its worker gone,
 * its download broken past the downloader's own resumes) is continued by the next one from the
 * last durable byte. Below it, starting again costs less than the slower resumable SHA-256.
 */
export const CHECKPOINT_MIN_BYTES = 64 * 1024 * 1024;

/** What archiveMeetingFile heartbeats; the next attempt of the activity reads it back. */
export interface ArchiveProgress {
  /** Bytes of the file received so far, counted from its first byte. */
  bytes: number;
  /** The body has ended and the store is finishing (completing a multipart upload). */
  finishing: boolean;
  /** What the store holds durably: the next attempt continues from there. */
  checkpoint?: PutCheckpoint;
  /** Zoom's Content-Type, for a resumed attempt that has to start again from byte 0. */
  contentType?: string;
}

export const createArchiveFileActivities = (deps: ActivityDeps) => ({
  /**
   * Streams one file from Zoom into the media store, verified against Zoom's size and our SHA-256.
   * A retried attempt continues from the checkpoint the last one heartbeated (a Range request).
   */
  async archiveMeetingFile({ tenantId, zoomFileId }: { tenantId: string; zoomFileId: string }): Promise<{ alreadyStored: boolean; size: number; sha256: string }> {
    return mappingFailures(async () => {
      const file = await getMediaFile(deps.db, tenantId, zoomFileId);
      if (!file) throw new Error(`media file '${zoomFileId}' of tenant '${tenantId}' is not tracked`);
      if (file.state === 'stored' && file.sha256 && file.storedSize !== null) {
        return { alreadyStored: true, size: file.storedSize, sha256: file.sha256 };
      }
      if (!file.downloadUrl) throw new MissingDownloadUrlError(tenantId, zoomFileId);
      const url = file.downloadUrl;
      // A phone recording has no size from Zoom to hold the body to: its first bytes must be audio.
      const audio = file.sourcePlatform === 'Zoom Phone';

      // An earlier attempt may have stored the object and died before recording it.
      const existing = await deps.store.head(file.storageKey);
      if (existing && (file.zoomSize === null || existing.size === file.zoomSize)) {
        await markMediaFileStored(deps.db, tenantId, zoomFileId, existing);
        return { alreadyStored: true, ...existing };
      }

      const previous = previousProgress(Context.current().info.heartbeatDetails, file.storageKey);
      const zoom = await deps.zoom.forTenant(tenantId);
      const progress = keepAlive(previous);
      const metadata = { tenant: tenantId, 'zoom-file-type': file.fileType };
      try {
        let stored;
        if (previous?.checkpoint) {
          // Zoom quirk: CC and TIMELINE files have no file_size; the length the first attempt learned
          // from Content-Length is in the checkpoint.
          const size = file.zoomSize ?? previous.checkpoint.size;
          const open: OpenBody = async (offset) => {
            const download = await zoom.downloadFile({ url, offset, audio, ...(size !== undefined ? { expectedSize: size } : {}) });
            return progress.count(download.stream, offset);
          };
          stored = await deps.store.put(file.storageKey, open, {
            ...(size !== undefined ? { expectedSize: size } : {}),
            ...(previous.contentType ? { contentType: previous.contentType } : {}),
            metadata,
            resumeFrom: previous.checkpoint,
            onCheckpoint: progress.checkpointed,
          });
        } else {
          // Zoom quirk: CC and TIMELINE files have no file_size; their Content-Length is held to instead.
          const download = await zoom.downloadFile({ url, audio, ...(file.zoomSize !== null ? { expectedSize: file.zoomSize } : {}) });
          const size = download.contentLength;
          progress.learned(download.contentType);
          stored = await deps.store.put(file.storageKey, progress.count(download.stream, 0), {
            ...(size !== undefined ? { expectedSize: size } : {}),
            ...(download.contentType ? { contentType: download.contentType } : {}),
            metadata,
            ...(size !== undefined && size >= CHECKPOINT_MIN_BYTES ? { onCheckpoint: progress.checkpointed } : {}),
          });
        }
        await markMediaFileStored(deps.db, tenantId, zoomFileId, { size: stored.size, sha256: stored.sha256 });
        return { alreadyStored: stored.alreadyStored, size: stored.size, sha256: stored.sha256 };
      } finally {
        progress.stop();
        await deps.zoom.flushUsage(tenantId);
      }
    });
  },
});

/** The last attempt's heartbeat, when it holds a checkpoint for this file's key (the store checks the rest). */
function previousProgress(details: unknown, key: string): ArchiveProgress | undefined {
  const last = details as Partial<ArchiveProgress> | undefined;
  const checkpoint = last?.checkpoint;
  if (typeof checkpoint !== 'object' || checkpoint === null || checkpoint.key !== key) return undefined;
  if (typeof checkpoint.bytes !== 'number' || typeof checkpoint.sha256State !== 'string') return undefined;
  return { bytes: checkpoint.bytes, finishing: false, checkpoint, ...(typeof last?.contentType === 'string' ? { contentType: last.contentType } : {}) };
}

/**
 * Heartbeats a file's progress every few seconds: the bytes counted so far while they flow, and
 * once the body has ended, while the store finishes (completing a multipart upload of a multi-GB
 * object takes a while with no bytes moving). A new checkpoint is heartbeated at once (Temporal
 * throttles the calls), so a failing attempt leaves its latest one to the next. A stalled
 * download stops heartbeating and is retried. Cancellation destroys the body.
 */
function keepAlive(previous: ArchiveProgress | undefined): {
  count(source: Readable, offset: number): Readable;
  checkpointed(checkpoint: PutCheckpoint): void;
  learned(contentType: string | undefined): void;
  stop(): void;
} {
  const progress: ArchiveProgress = previous ? { ...previous } : { bytes: 0, finishing: false };
  let lastBeatBytes = progress.bytes;
  const timer = setInterval(() => {
    // Only progress counts: a connection that delivers nothing must run into the heartbeat timeout.
    if (progress.bytes > lastBeatBytes || progress.finishing) {
      lastBeatBytes = progress.bytes;
      heartbeat({ ...progress });
    }
  }, HEARTBEAT_EVERY_MS);
  return {
    count(source, offset) {
      progress.bytes = offset;
      // The store started again from byte 0: the old checkpoint is gone.
      if (offset === 0) delete progress.checkpoint;
      const counted = new PassThrough({ highWaterMark: 1024 * 1024 });
      source.on('data', (chunk: Buffer) => { progress.bytes += chunk.length; });
      source.on('end', () => { progress.finishing = true; });
      source.on('error', (err) => counted.destroy(err));
      source.pipe(counted);
      Context.current().cancellationSignal.addEventListener('abort', () => source.destroy(new Error('activity cancelled')));
      return counted;
    },
    checkpointed(checkpoint) {
      progress.checkpoint = checkpoint;
      heartbeat({ ...progress });
    },
    learned(contentType) {
      if (contentType) progress.contentType = contentType;
    },
    stop: () => clearInterval(timer),
  };
}

/** Zoom listed the file without a download URL (tracked as skipped): asking for it is a bug upstream. */
class MissingDownloadUrlError extends Error {
  override name = 'MissingDownloadUrlError';
  constructor(tenantId: string, zoomFileId: string) {
    super(`media file '${zoomFileId}' of tenant '${tenantId}' has no download URL from Zoom`);
  }
}
