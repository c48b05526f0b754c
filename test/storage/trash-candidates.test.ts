import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../../src/db/client.js';
import { upsertListedMeetings } from '../../src/db/queries/listed-meetings.js';
import { markMediaFileStored, trackListedFiles, type ListedFileInput } from '../../src/db/queries/media-files.js';
import { upsertRecordedUser } from '../../src/db/queries/recorded-users.js';
import { upsertTenant } from '../../src/db/queries/tenants.js';
import { listTrashCandidates, markTrashedInZoom } from '../../src/db/queries/trash-candidates.js';
import { DERIVED_FILE_ID_PREFIX } from '../../src/db/schema/media-files.js';
import { createSecretBox } from '../../src/security/secrets.js';
import { createTestDatabase, type TestDatabase } from '../harness/index.js';

// Delete-after-archive's candidate query on a real PostgreSQL database: meetings with nothing left
// that can be trashed never come back, so however many there are, a newer meeting is found.

let database: TestDatabase;
let db: OpenDatabase;
const TENANT = 'acme';
const HOST = 'host-user';
const day = (n: number) => new Date(Date.UTC(2026, 9, n, 10)).toISOString();

async function meetingWithFile(uuid: string, startTime: string, zoomFileId: string, trashed: boolean): Promise<void> {
  await upsertListedMeetings(db.db, TENANT, 'cloud_recordings', [{ uuid, meetingNumber: '1', topic: 't', hostId: HOST, startTime, durationMinutes: 30 }]);
  const file: ListedFileInput = {
    zoomFileId, fileType: 'M4A', fileExtension: 'M4A', recordingType: null, participantZoomUserId: null, recordingStartedAt: new Date(startTime),
    zoomSize: 10, zoomStatus: 'completed', downloadUrl: 'https://zoom.us/rec/x', storageKey: `${TENANT}/${uuid}/${zoomFileId}.m4a`,
  };
  await trackListedFiles(db.db, TENANT, uuid, [file]);
  await markMediaFileStored(db.db, TENANT, zoomFileId, { size: 10, sha256: 'a'.repeat(64) });
  if (trashed) await markTrashedInZoom(db.db, TENANT, [zoomFileId]);
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = await openDatabase({ url: database.url });
  await upsertTenant(db.db, createSecretBox(randomBytes(32).toString('base64')), { id: TENANT, name: 'Acme', zoomAccountId: 'a', zoomClientId: 'c', zoomClientSecret: 's' });
  await upsertRecordedUser(db.db, TENANT, { zoomUserId: HOST, email: 'host@acme.example', name: 'Host', modality: 'voice' });
});

afterAll(async () => {
  await db?.close();
  await database?.drop();
});

describe('delete-after-archive candidates', () => {
  it('skip meetings with nothing left to trash (already trashed, or only files Zoom gave no id), however many', async () => {
    for (let i = 1; i <= 5; i++) await meetingWithFile(`old-derived-${i}`, day(i), `${DERIVED_FILE_ID_PREFIX}${i}`, false);
    for (let i = 6; i <= 10; i++) await meetingWithFile(`old-trashed-${i}`, day(i), `trashed-${i}`, true);
    await meetingWithFile('newer', day(20), 'zoom-file-20', false);

    const candidates = await listTrashCandidates(db.db, TENANT, 'cloud_recordings', { endedBefore: new Date(day(25)), limit: 1 });
    expect(candidates.map((c) => ({ uuid: c.uuid, files: c.files.map((f) => f.zoomFileId) }))).toEqual([{ uuid: 'newer', files: ['zoom-file-20'] }]);

    await markTrashedInZoom(db.db, TENANT, ['zoom-file-20']);
    expect(await listTrashCandidates(db.db, TENANT, 'cloud_recordings', { endedBefore: new Date(day(25)), limit: 10 })).toEqual([]);
  });
});
