import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listRecoveryRequests } from '../../src/db/queries/recovery.js';
import { startSimulator, type GroundTruthMeeting, type RunningSimulator } from '../../src/simulator/index.js';
import { recoveryWorkflowId } from '../../src/workflows/ids.js';
import {
  expectedArchive, expectStoredExactly, filesOf, mediaFilesOf, registerTenant, runSync, startE2eWorld, startSupportApi, waitForRecoveryRequest,
  type E2eTenant, type E2eWorld,
} from '../e2e/helpers.js';

// The recovery routes' behaviour on the real server, with a worker running the product's
// workflows on the Temporal dev server, PostgreSQL and S3, and the Zoom simulator over HTTP: a
// bad CSV refused whole, a bulk retry of failed files, the workflow's progress, and cancelling a
// request. Expectations come from the simulator's ground truth; stored bytes are hashed from the
// bucket. The simulator's clock is frozen at the current hour rounded down (the sync that makes
// the failed files lists by the worker's real clock).

const QUIET = { phoneCallsPerDay: 0, mediaScale: 0.01, processingShare: 0, meetingsPerDay: 0, transcriptShare: 0, chatShare: 0, timelineShare: 0, unrecordedShare: 0, externalHostShare: 0 };
const HOUR = 3600_000;
const NOW = new Date(Math.floor(Date.now() / HOUR) * HOUR);
const TOKEN = 'recovery-routes-token';
const auth = { authorization: `Bearer ${TOKEN}` };

let world: E2eWorld;
let sim: RunningSimulator;
let api: FastifyInstance;
let apiUrl: string;

beforeAll(async () => {
  world = await startE2eWorld('api-recovery-routes');
  sim = await startSimulator({ seed: 3131, now: NOW, freezeClock: true, tenants: [{ ...QUIET, users: 4, inactiveUsers: 0, days: 1 }] });
  ({ app: api, url: apiUrl } = await startSupportApi(world, [TOKEN]));
}, 120_000);

afterEach(async () => {
  await sim.control.setNetwork('loopback');
});

afterAll(async () => {
  await api?.close();
  await sim?.close();
  await world?.close();
});

/** A POST with a body of the given type, or none when `body` is undefined. */
const post = (tenantId: string, path: string, body?: string, contentType = 'application/json') => fetch(`${apiUrl}/tenants/${tenantId}${path}`, {
  method: 'POST', headers: body === undefined ? auth : { ...auth, 'content-type': contentType }, ...(body === undefined ? {} : { body }),
});
const get = async (tenantId: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const res = await fetch(`${apiUrl}/tenants/${tenantId}${path}`, { headers: auth });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** A recorded meeting of `hostId`, held `hoursAgo` hours before the simulator's now. */
const addMeeting = (tenant: E2eTenant, hostId: string, hoursAgo: number): Promise<GroundTruthMeeting> => sim.control.addMeeting(tenant.zoom.accountId, {
  hostId, recorded: true, start_time: new Date(NOW.getTime() - hoursAgo * HOUR).toISOString(), durationMinutes: 20, participants: 1,
});

const configure = (index: number) => ({ simTenant: 0, configure: [{ index, modality: 'video' as const, individualAudio: false }] });

describe('POST /recovery/meetings with a CSV', () => {
  it('refuses a CSV with bad lines whole, 400 naming each bad line, and starts nothing', async () => {
    const tenant = await registerTenant(world, sim, configure(0));
    const csv = 'meeting_id\n81234567890\nnot-a-meeting\n1234\n85746065432\n812 3456 7890 1\n';
    const res = await post(tenant.tenantId, '/recovery/meetings', csv, 'text/csv');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'the CSV was refused whole: nothing was started',
      details: [
        'line 3: "not-a-meeting" is neither a meeting ID (9 to 11 digits) nor a meeting UUID (24 characters ending in ==)',
        'line 4: "1234" has 4 digits: a meeting ID has 9 to 11',
        'line 6: "812 3456 7890 1" has 12 digits: a meeting ID has 9 to 11',
      ],
    });
    expect(await listRecoveryRequests(world.database.db, tenant.tenantId, { limit: 10 })).toEqual([]);
    await expect(world.temporal.client.workflow.getHandle(recoveryWorkflowId(tenant.tenantId)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});

describe('POST /files/retry (every failed file) and GET /recovery/progress', () => {
  it('retries each failed file of the tenant, one item per file, archives them, and the progress query shows the request done', async () => {
    const tenant = await registerTenant(world, sim, configure(1));
    const host = tenant.users[0]!.zoomUserId;
    // Before any recovery: no workflow, nothing to show.
    expect(await get(tenant.tenantId, '/recovery/progress')).toEqual({
      status: 200, body: { workflowId: recoveryWorkflowId(tenant.tenantId), running: false, waiting: 0, refused: [], requests: [] },
    });
    const meetings = [await addMeeting(tenant, host, 5), await addMeeting(tenant, host, 4), await addMeeting(tenant, host, 3)];
    const expected = expectedArchive(await sim.control.groundTruth(tenant.zoom.accountId), tenant);
    expect(expected.map((m) => m.meeting.uuid).sort()).toEqual(meetings.map((m) => m.uuid).sort());
    // Zoom refuses (404) two files of the first meeting and one of the second: the sync fails them.
    const [first, second] = expected.map((m) => m.files);
    expect(first!.length).toBeGreaterThanOrEqual(2);
    const refused = [first![0]!, first![1]!, second![0]!];
    for (const file of refused) await sim.control.setFileFault(tenant.zoom.accountId, file.id, 'not_found');
    await runSync(world, tenant.tenantId);
    const failed = (await mediaFilesOf(world, tenant.tenantId)).filter((f) => f.state === 'failed').map((f) => f.zoomFileId).sort();
    expect(failed).toEqual(refused.map((f) => f.id).sort());
    for (const file of refused) await sim.control.setFileFault(tenant.zoom.accountId, file.id, null);

    const res = await post(tenant.tenantId, '/files/retry', '{}');
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { requestId: string; workflowId: string; status: string };
    expect(accepted).toEqual({ requestId: expect.stringMatching(/^[0-9a-f-]{36}$/), workflowId: recoveryWorkflowId(tenant.tenantId), status: 'queued' });
    expect((await waitForRecoveryRequest(world, tenant.tenantId, accepted.requestId)).status).toBe('finished');

    const request = await get(tenant.tenantId, `/recovery/requests/${accepted.requestId}`);
    expect(request.status).toBe(200);
    expect(request.body).toMatchObject({ requestId: accepted.requestId, kind: 'files', status: 'finished', total: 3, archived: 3, missing: 3, failed: 0, error: null });
    const items = request.body.items as { zoomFileId: string; meetingRef: string; state: string; foundMissing: boolean }[];
    expect(items.map((i) => [i.zoomFileId, i.state, i.foundMissing]).sort()).toEqual(refused.map((f) => [f.id, 'archived', true]).sort());
    expect(items.map((i) => i.meetingRef).sort()).toEqual([meetings[0]!.uuid, meetings[0]!.uuid, meetings[1]!.uuid].sort());
    await expectStoredExactly(world, tenant.tenantId, filesOf(expected));

    const progress = await get(tenant.tenantId, '/recovery/progress');
    expect(progress.status).toBe(200);
    expect(progress.body).toMatchObject({ workflowId: recoveryWorkflowId(tenant.tenantId), running: true, waiting: 0, refused: [] });
    expect(progress.body.requests).toEqual([expect.objectContaining({ requestId: accepted.requestId, kind: 'files', status: 'finished', total: 3, archived: 3, failed: 0 })]);
  });
});

describe('POST /recovery/requests/{id}/cancel', () => {
  it('answers 202 for a queued request, which ends cancelled with nothing archived, and 409 for a finished one', async () => {
    const tenant = await registerTenant(world, sim, configure(2));
    const host = tenant.users[0]!.zoomUserId;
    const slow = await addMeeting(tenant, host, 6);
    const kept = await addMeeting(tenant, host, 5);
    const [slowExpected, keptExpected] = expectedArchive(await sim.control.groundTruth(tenant.zoom.accountId), tenant);
    expect([slowExpected!.meeting.uuid, keptExpected!.meeting.uuid]).toEqual([slow.uuid, kept.uuid]);
    // The first request holds the queue: 26 meetings (two pages of 25 to examine, the second
    // request is filed between them), each looked up at Zoom in 200 ms, and the one meeting Zoom
    // holds downloads for 10 s. The second request waits behind it, queued, while it is cancelled.
    for (const { file } of filesOf([slowExpected!])) await sim.control.setFileFault(tenant.zoom.accountId, file.id, 'slow', 10_000);
    await sim.control.setNetwork({ latencyMedianMs: 200, latencyJitter: 0 });
    const absent = Array.from({ length: 25 }, (_, i) => `Nothere${String(i).padStart(15, '0')}==`);
    const firstRes = await post(tenant.tenantId, '/recovery/meetings', JSON.stringify({ refs: [slow.uuid, ...absent] }));
    const secondRes = await post(tenant.tenantId, '/recovery/meetings', JSON.stringify({ refs: [kept.uuid] }));
    expect([firstRes.status, secondRes.status]).toEqual([202, 202]);
    const first = ((await firstRes.json()) as { requestId: string }).requestId;
    const second = ((await secondRes.json()) as { requestId: string }).requestId;
    await expect.poll(async () => (await get(tenant.tenantId, `/recovery/requests/${second}`)).body.status, { timeout: 30_000, interval: 100 }).toBe('queued');

    const cancel = await post(tenant.tenantId, `/recovery/requests/${second}/cancel`);
    expect(cancel.status).toBe(202);
    expect(await cancel.json()).toEqual({ requestId: second, workflowId: recoveryWorkflowId(tenant.tenantId), status: 'cancelling' });
    expect((await waitForRecoveryRequest(world, tenant.tenantId, second)).status).toBe('cancelled');
    expect((await waitForRecoveryRequest(world, tenant.tenantId, first)).status).toBe('finished');
    await sim.control.setNetwork('loopback');
    for (const { file } of filesOf([slowExpected!])) await sim.control.setFileFault(tenant.zoom.accountId, file.id, null);

    const cancelled = await get(tenant.tenantId, `/recovery/requests/${second}`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', total: 1, cancelled: 1, archived: 0 });
    expect((cancelled.body.items as { meetingRef: string; state: string }[]).map((i) => [i.meetingRef, i.state])).toEqual([[kept.uuid, 'cancelled']]);
    const done = await get(tenant.tenantId, `/recovery/requests/${first}`);
    expect(done.body).toMatchObject({ status: 'finished', total: 26, archived: 1, notFound: 25 });
    // Only the first request's meeting was archived; the cancelled one's was not.
    await expectStoredExactly(world, tenant.tenantId, filesOf([slowExpected!]));

    const again = await post(tenant.tenantId, `/recovery/requests/${first}/cancel`);
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: `recovery request '${first}' is finished: only a queued or running one is cancelled` });
    const unknown = '00000000-0000-4000-8000-000000000000';
    const missing = await post(tenant.tenantId, `/recovery/requests/${unknown}/cancel`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: `tenant '${tenant.tenantId}' has no recovery request '${unknown}'` });
  });
});
