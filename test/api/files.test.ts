import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trackListedFilesOfMeetings, type ListedFileInput } from '../../src/db/queries/media-files.js';
import { upsertTenant } from '../../src/db/queries/tenants.js';
import { startTestApi, type TestApi } from './helpers.js';

// GET /api/tenants/{t}/files on the real server: pages read from the database in a stable order
// (oldest recording first, then file id), totals of every match, never another tenant's files.

const TOKEN = 'files-token';
const BASE = Date.UTC(2026, 2, 10, 9, 0, 0);
let api: TestApi;

interface Seed { tenant: string; id: string; meeting: string; startedAt: Date; state: 'pending' | 'failed' | 'skipped' }

/** Files of one tenant: four to a meeting (same start: the file id breaks the tie), meetings given out of order. */
function seedsOf(tenant: string, n: number): Seed[] {
  return Array.from({ length: n }, (_, i) => {
    const meeting = (i * 37) % Math.ceil(n / 4);
    return {
      tenant,
      id: `${tenant}-f${String(n - i).padStart(4, '0')}`,
      meeting: `${tenant}-m${meeting}`,
      startedAt: new Date(BASE + meeting * 60_000),
      state: i % 5 === 0 ? 'failed' : i % 7 === 0 ? 'skipped' : 'pending',
    };
  });
}

const listed = (s: Seed): ListedFileInput => ({
  zoomFileId: s.id, fileType: 'MP4', fileExtension: 'MP4', recordingType: 'shared_screen_with_speaker_view',
  participantZoomUserId: null, recordingStartedAt: s.startedAt, zoomSize: 1000, zoomStatus: 'completed',
  downloadUrl: `https://zoom.example/rec/${s.id}`, storageKey: `${s.tenant}/${s.id}.mp4`,
  ...(s.state === 'failed' ? { failure: `Zoom refused ${s.id}` } : s.state === 'skipped' ? { skipReason: 'not_wanted_by_modality' as const } : {}),
});

const acme = seedsOf('acme', 250);
const globex = seedsOf('globex', 40);
/** The documented order, worked out here: start, then file id. */
const inOrder = (seeds: readonly Seed[]) => [...seeds].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

beforeAll(async () => {
  api = await startTestApi('api-files', { apiTokens: [TOKEN] });
  for (const [tenant, seeds] of [['acme', acme], ['globex', globex]] as const) {
    await upsertTenant(api.database.db, api.secrets, { id: tenant, name: tenant, zoomAccountId: `acc-${tenant}`, zoomClientId: 'cid', zoomClientSecret: 'secret', archivingEnabled: true });
    const meetings = [...new Set(seeds.map((s) => s.meeting))];
    await trackListedFilesOfMeetings(api.database.db, tenant, meetings.map((m) => ({ meetingUuid: m, files: seeds.filter((s) => s.meeting === m).map(listed) })));
  }
});
afterAll(async () => {
  await api?.close();
});

interface FilesPage { tenant: string; total: number; files: { zoomFileId: string; meetingUuid: string; state: string; error: string | null }[] }
const getPage = async (tenant: string, query: string): Promise<FilesPage> => {
  const res = await fetch(`${api.baseUrl}/api/tenants/${tenant}/files?${query}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return await res.json() as FilesPage;
};

describe('GET /files', () => {
  it('pages through every file of the tenant once, in a stable order, with the total on each page', async () => {
    const seen: string[] = [];
    for (let offset = 0; offset < 300; offset += 100) {
      const page = await getPage('acme', `limit=100&offset=${offset}`);
      expect(page.tenant).toBe('acme');
      expect(page.total).toBe(250);
      expect(page.files.length).toBe(Math.min(100, 250 - offset));
      seen.push(...page.files.map((f) => f.zoomFileId));
    }
    expect(seen).toEqual(inOrder(acme).map((s) => s.id));
    expect(await getPage('acme', 'limit=100&offset=250')).toEqual({ tenant: 'acme', total: 250, files: [] });
  });

  it('pages a state by itself, with its reason, and a meeting\'s files', async () => {
    const failed = inOrder(acme.filter((s) => s.state === 'failed'));
    const first = await getPage('acme', 'state=failed&limit=30');
    const second = await getPage('acme', 'state=failed&limit=30&offset=30');
    expect([first.total, second.total]).toEqual([failed.length, failed.length]);
    expect([...first.files, ...second.files].map((f) => [f.zoomFileId, f.state, f.error])).toEqual(failed.map((s) => [s.id, 'failed', `Zoom refused ${s.id}`]));
    const meeting = inOrder(acme.filter((s) => s.meeting === 'acme-m3'));
    const ofMeeting = await getPage('acme', 'meetingUuid=acme-m3&limit=2&offset=1');
    expect(ofMeeting.total).toBe(meeting.length);
    expect(ofMeeting.files.map((f) => f.zoomFileId)).toEqual(meeting.slice(1, 3).map((s) => s.id));
  });

  it('never shows another tenant\'s files, even with its meeting id', async () => {
    const page = await getPage('globex', 'limit=500');
    expect(page.total).toBe(40);
    expect(page.files.map((f) => f.zoomFileId)).toEqual(inOrder(globex).map((s) => s.id));
    expect(await getPage('globex', 'meetingUuid=acme-m3')).toEqual({ tenant: 'globex', total: 0, files: [] });
  });

  it('reads one page from the database, not every file of the tenant', async () => {
    const before = api.rowsRead();
    const page = await getPage('acme', 'limit=10&offset=200');
    expect(page.files.length).toBe(10);
    // The tenant's row, the count's and the page's ten: the other 240 files stay in PostgreSQL.
    expect(api.rowsRead() - before).toBe(12);
  });
});
