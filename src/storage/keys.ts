import { TENANT_ID_PATTERN } from '../db/schema/tenants.js';

// Storage keys: <tenant>/<source>/<yyyy>/<mm>/<dd>/<conversation>/<file>.<ext>, dated by the
// recording's start (UTC). Zoom meeting UUIDs are base64 and may hold '/', '+' and '=' (and a
// UUID can start with '/' or contain '//'), so every Zoom id is encoded reversibly into
// [A-Za-z0-9_-] plus '%XX' escapes: no segment can be empty, '.', '..' or contain a separator.

export class InvalidStorageKeyError extends Error {
  override name = 'InvalidStorageKeyError';
}

export const KEY_SOURCES = { 'Zoom Meeting': 'meetings', 'Zoom Phone': 'phone' } as const;

const SAFE = /^[A-Za-z0-9_-]$/;

/** Percent-encodes everything but [A-Za-z0-9_-], '.' and '~' included. */
export function encodeKeySegment(value: string): string {
  if (value.length === 0) throw new InvalidStorageKeyError('a storage key segment cannot be empty');
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += SAFE.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeKeySegment(segment: string): string {
  return decodeURIComponent(segment);
}

const EXTENSION = /^[a-z0-9]{1,10}$/;

export interface MediaKeyParts {
  tenantId: string;
  sourcePlatform: keyof typeof KEY_SOURCES;
  /** The recording's start: the key's date is its UTC day. */
  startedAt: Date;
  /** Meeting UUID or phone call id. */
  conversationId: string;
  zoomFileId: string;
  /** Zoom's file_extension (MP4, M4A, VTT, ...); stored lower-case. */
  extension: string;
}

export function mediaKey(parts: MediaKeyParts): string {
  if (!TENANT_ID_PATTERN.test(parts.tenantId)) throw new InvalidStorageKeyError(`tenant id '${parts.tenantId}' is not a slug`);
  if (Number.isNaN(parts.startedAt.getTime())) throw new InvalidStorageKeyError(`invalid recording start for file '${parts.zoomFileId}'`);
  const extension = parts.extension.toLowerCase();
  if (!EXTENSION.test(extension)) throw new InvalidStorageKeyError(`file extension '${parts.extension}' of file '${parts.zoomFileId}' is not 1-10 letters or digits`);
  const [yyyy, mm, dd] = parts.startedAt.toISOString().slice(0, 10).split('-');
  return [
    parts.tenantId,
    KEY_SOURCES[parts.sourcePlatform],
    yyyy,
    mm,
    dd,
    encodeKeySegment(parts.conversationId),
    `${encodeKeySegment(parts.zoomFileId)}.${extension}`,
  ].join('/');
}

const KEY_SEGMENT = /^[A-Za-z0-9_%-][A-Za-z0-9_%.-]*$/;

/**
 * What every store accepts: relative, '/'-separated segments of [A-Za-z0-9_.%-] that do not start
 * with a dot. Neither '..' nor a hidden file (the local store's temporary files) can be addressed.
 */
export function assertValidKey(key: string): void {
  const segments = key.split('/');
  if (key.length > 900 || segments.some((s) => !KEY_SEGMENT.test(s))) {
    throw new InvalidStorageKeyError(`invalid storage key '${key}': use mediaKey() to build keys`);
  }
}
