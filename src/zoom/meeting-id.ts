/**
 * Meeting ids and UUIDs in URL paths. UUIDs are base64-like (`+`, `/`, `=`) and always encoded.
 */

/** Zoom quirk: a UUID that starts with `/` or contains `//` must be URL-encoded twice in a path. */
export function encodeMeetingId(idOrUuid: string | number): string {
  const s = String(idOrUuid);
  const once = encodeURIComponent(s);
  return s.startsWith('/') || s.includes('//') ? encodeURIComponent(once) : once;
}
