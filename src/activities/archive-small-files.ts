import { heartbeat } from '@temporalio/activity';
import { createArchiveFileActivities } from './archive-file.js';
import type { ActivityDeps } from './deps.js';

/** Zoom's or the store's words on a file this activity could not archive, cut to keep the result small. */
const ERROR_CHARS = 300;

export interface SmallFilesResult {
  archived: { zoomFileId: string; alreadyStored: boolean; size: number }[];
  /** Left for the per-file activity, which retries them on its own and records a final failure. */
  notArchived: { zoomFileId: string; error: string }[];
}

export const createSmallFilesActivities = (deps: ActivityDeps) => {
  const { archiveMeetingFile } = createArchiveFileActivities(deps);
  return {
    /**
     * Archives a meeting's small files one after another in one activity (each exactly as
     * archiveMeetingFile does): a meeting of a video, an audio and a chat costs one task round
     * trip instead of three. A file that fails is reported, not thrown: the workflow hands it to
     * archiveMeetingFile, whose retries and failure record are the file's own.
     */
    async archiveMeetingFiles({ tenantId, zoomFileIds }: { tenantId: string; zoomFileIds: string[] }): Promise<SmallFilesResult> {
      const result: SmallFilesResult = { archived: [], notArchived: [] };
      for (const zoomFileId of zoomFileIds) {
        try {
          const stored = await archiveMeetingFile({ tenantId, zoomFileId });
          result.archived.push({ zoomFileId, alreadyStored: stored.alreadyStored, size: stored.size });
        } catch (err) {
          result.notArchived.push({ zoomFileId, error: (err as Error).message.slice(0, ERROR_CHARS) });
        }
        // Between files too: a meeting of many small files stays alive while it makes progress.
        heartbeat({ done: result.archived.length + result.notArchived.length, of: zoomFileIds.length });
      }
      return result;
    },
  };
};
