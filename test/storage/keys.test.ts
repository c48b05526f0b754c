import { describe, expect, it } from 'vitest';
import { assertValidKey, decodeKeySegment, encodeKeySegment, InvalidStorageKeyError, mediaKey } from '../../src/storage/keys.js';

const parts = {
  tenantId: 'acme',
  sourcePlatform: 'Zoom Meeting' as const,
  startedAt: new Date('2024-03-09T23:59:59Z'),
  conversationId: '/ajXp112QmuoKj4854875==',
  zoomFileId: 'a1b2-c3',
  extension: 'MP4',
};

describe('storage keys', () => {
  it('lays keys out by tenant, source, UTC day and Zoom ids', () => {
    expect(mediaKey(parts)).toBe('acme/meetings/2024/03/09/%2FajXp112QmuoKj4854875%3D%3D/a1b2-c3.mp4');
    expect(mediaKey({ ...parts, sourcePlatform: 'Zoom Phone', conversationId: 'call-1' })).toBe('acme/phone/2024/03/09/call-1/a1b2-c3.mp4');
  });

  it('encodes odd UUIDs reversibly into one safe segment', () => {
    for (const uuid of ['/abc//def==', 'a+b/c=', '..', '.', '../../etc/passwd', 'ünï cödé', '%2F']) {
      const segment = encodeKeySegment(uuid);
      expect(segment).toMatch(/^[A-Za-z0-9_%-]+$/);
      expect(decodeKeySegment(segment)).toBe(uuid);
      expect(() => assertValidKey(mediaKey({ ...parts, conversationId: uuid, zoomFileId: uuid }))).not.toThrow();
    }
  });

  it('rejects tenant ids that are not slugs, bad extensions and empty ids', () => {
    for (const tenantId of ['../x', 'Acme', 'a/b', '', '-acme']) {
      expect(() => mediaKey({ ...parts, tenantId })).toThrow(InvalidStorageKeyError);
    }
    expect(() => mediaKey({ ...parts, extension: 'mp4/../x' })).toThrow(InvalidStorageKeyError);
    expect(() => mediaKey({ ...parts, zoomFileId: '' })).toThrow(InvalidStorageKeyError);
    expect(() => mediaKey({ ...parts, startedAt: new Date('nope') })).toThrow(InvalidStorageKeyError);
  });

  it('refuses keys that could leave the store or reach its hidden files', () => {
    for (const key of ['../x', 'a/../b', '/abs', 'a//b', '.staging/x', 'a/.b.sha256', 'a/b c', '']) {
      expect(() => assertValidKey(key)).toThrow(InvalidStorageKeyError);
    }
  });
});
