import type { IncomingMessage } from 'node:http';
import { ZoomError } from '../errors.js';
import { mediaKey, MediaStream } from '../media.js';
import { isReady } from '../model.js';
import type { SimFile } from '../model.js';
import type { FileRef, SimState } from '../state.js';
import { bufferBody, type ApiResult, type ApiRoute, type StreamBody } from './route.js';

const CONTENT_TYPES: Record<string, string> = {
  MP4: 'video/mp4', M4A: 'audio/mp4', MP3: 'audio/mpeg', TXT: 'text/plain', VTT: 'text/vtt',
  JSON: 'application/json', CSV: 'text/csv', JPG: 'image/jpeg',
};

export function contentType(file: SimFile): string {
  return CONTENT_TYPES[file.file_extension] ?? 'application/octet-stream';
}

/** Zoom quirk: a deleted, missing or unauthorised download answers 200 with an HTML page, not an error status. */
export const HTML_ERROR_PAGE = '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Error - Zoom</title></head>'
  + '<body><div class="error-page"><h1>This recording does not exist.</h1>'
  + '<p>The recording may have been deleted, or you do not have permission to view it.</p></div></body></html>';

/** The file's bytes; with fault `size_mismatch` one byte fewer than `file_size` (still a prefix of the true bytes). */
export function mediaBody(state: SimState, file: SimFile): StreamBody {
  const key = mediaKey(state.seed, file.id, file.file_extension);
  const length = file.fault === 'size_mismatch' ? Math.max(0, file.file_size - 1) : file.file_size;
  return { length, open: (start, end) => new MediaStream(key, start, end) };
}

/** Real milliseconds over which the body is paced (fault `slow`), or null. */
export function bodyPaceMs(file: SimFile): number | null {
  return file.fault === 'slow' ? file.faultSlowMs : null;
}

/** Whether the token in the header or `?access_token=` may read this file. */
function authorised(state: SimState, ref: FileRef, req: IncomingMessage, query: URLSearchParams, nowMs: number): boolean {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? null;
  const check = state.tokens.check(bearer ?? query.get('access_token'), nowMs);
  if (!check.ok || check.accountId !== ref.tenant.accountId) return false;
  return check.meetingUuid === null || check.meetingUuid === ref.meeting?.uuid;
}

/** Failed archive files download like deleted ones. */
export function downloadable(ref: FileRef | undefined, nowMs: number): ref is FileRef {
  return ref !== undefined && ref.file.deletion === 'none' && isReady(ref.file, nowMs) && !ref.file.failed;
}

/** A 200 answer for a file: its bytes, or what a `json_body` or `empty_body` fault serves instead. */
interface FileAnswer { headers: Record<string, string>; body: StreamBody; paceMs: number | null }

export type DownloadOutcome =
  | { kind: 'html' }
  | { kind: 'not_found' }
  | ({ kind: 'file'; file: SimFile } & FileAnswer);

/** Body of a download refused with fault `not_found` (code as REFERENCE §9's 3301; the download host's wording is unconfirmed). */
export const DOWNLOAD_NOT_FOUND = { code: 3301, message: 'This recording does not exist.' };

/** /rec/download/…, /rec/webhook_download/…, /rec/archive/download/… */
export function resolveDownload(state: SimState, key: string, req: IncomingMessage, query: URLSearchParams, nowMs: number): DownloadOutcome {
  const ref = state.fileByKey(key);
  if (!downloadable(ref, nowMs) || ref.file.kind === 'phone' || !authorised(state, ref, req, query, nowMs)) return { kind: 'html' };
  if (ref.file.fault === 'html') return { kind: 'html' };
  if (ref.file.fault === 'not_found') return { kind: 'not_found' };
  return { kind: 'file', file: ref.file, ...fileAnswer(state, ref.file) };
}

function fileAnswer(state: SimState, file: SimFile): FileAnswer {
  if (file.fault === 'json_body') return { headers: { 'Content-Type': 'application/json;charset=UTF-8' }, body: bufferBody(Buffer.from(JSON.stringify(DOWNLOAD_NOT_FOUND))), paceMs: null };
  if (file.fault === 'empty_body') return { headers: fileHeaders(file), body: bufferBody(Buffer.alloc(0)), paceMs: null };
  return { headers: fileHeaders(file), body: mediaBody(state, file), paceMs: bodyPaceMs(file) };
}

export function fileHeaders(file: SimFile): Record<string, string> {
  return {
    'Content-Type': contentType(file),
    'Content-Disposition': `attachment; filename="${file.file_name.replace(/[^\w .#-]/g, '_')}"`,
    'Accept-Ranges': 'bytes',
  };
}

export const phoneDownloadRoutes: ApiRoute[] = [
  {
    method: 'GET', template: '/phone/recording/download/{fileId}', family: 'phone', category: 'medium', allowQueryToken: true,
    handler: ({ state, tenant, params, nowMs }): ApiResult => {
      const ref = state.fileByKey(params.fileId ?? '');
      if (!downloadable(ref, nowMs) || ref.file.kind !== 'phone' || ref.tenant !== tenant || ref.file.fault === 'not_found') {
        throw new ZoomError(400, 404, 'File does not exist.');
      }
      if (ref.file.fault === 'html') return { status: 200, headers: { 'Content-Type': 'text/html;charset=utf-8' }, stream: bufferBody(Buffer.from(HTML_ERROR_PAGE)) };
      const answer = fileAnswer(state, ref.file);
      return { status: 200, headers: answer.headers, stream: answer.body, paceMs: answer.paceMs };
    },
  },
];
