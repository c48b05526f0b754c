import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../src/api/server.js';
import { and, eq } from 'drizzle-orm';
import { getSyncState, markSyncFinished } from '../../src/db/queries/sync-state.js';
import { conversations } from '../../src/db/schema/index.js';
import { startSimulator, type GroundTruthCall, type RunningSimulator } from '../../src/simulator/index.js';
import { s3ObjectSha256 } from '../harness/stored-bytes.js';
import { bucketKeys, cdrsOf, mediaFilesOf, registerTenant, runPhoneSync, startE2eWorld, type E2eTenant, type E2eWorld } from './helpers.js';

// Containment of the Zoom Phone path end to end: recordings Zoom will not serve as audio (its error
// JSON or an empty body with 200, a 404), and a call whose history Zoom refuses, fail with their
// reason and are never stored, while every other call of the sync is archived (bytes hashed from
// the bucket against the simulator's SHA-256); support sees each failure in the status and the
// files list. Clock frozen at NOW; each test has a simulated account and a tenant of its own.

const NOW = Date.parse('2026-03-10T12:00:00Z');
const HOUR = 3600_000;
const TOKEN = 'phone-containment-token';
const DOWNLOAD = 'GET /phone/recording/download/{fileId}';

let world: E2eWorld;
let sim: RunningSimulator;
let api: FastifyInstance;
let apiUrl: string;
let tenant: E2eTenant;

const ACCOUNT = { users: 3, inactiveUsers: 0, days: 0, meetingsPerDay: 0, phoneCallsPerDay: 0 };

beforeAll(async () => {
  world = await startE2eWorld('e2e-phone-containment');
  sim = await startSimulator({ seed: 3131, now: new Date(NOW), freezeClock: true, tenants: [ACCOUNT, ACCOUNT, ACCOUNT] });
  api = createApiServer({ db: world.database.db, secrets: world.secrets, temporal: { client: world.temporal.client, taskQueue: world.temporal.taskQueue }, apiTokens: [TOKEN] });
  await api.listen({ host: '127.0.0.1', port: 0 });
});

/** The test's tenant on simulated account `simTenant`, its three users configured with their extensions. */
async function useTenant(simTenant: number): Promise<void> {
  tenant = await registerTenant(world, sim, {
    simTenant,
    configure: [0, 1, 2].map((index) => ({ index, modality: 'voice' as const, individualAudio: false, phoneExtension: true })),
    tenant: { archivingEnabled: false, cloudRecordingsEnabled: false, phoneEnabled: true },
  });
  // A sync archived everything up to a day before NOW (the workers' clock is the real one; the
  // simulator's stands at NOW): the next sync lists from there.
  await markSyncFinished(world.database.db, tenant.tenantId, 'phone', { watermark: new Date(NOW - 24 * HOUR) });
  apiUrl = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}/api/tenants/${tenant.tenantId}`;
}

afterAll(async () => {
  await api?.close();
  await sim?.close();
  await world?.close();
});

interface Status {
  healthy: boolean;
  archive: { filesStored: number; filesFailed: number };
  recentFailures: { zoomFileId: string; meetingUuid: string; sourcePlatform: string; error: string | null; failedAt: string }[];
}

async function support<T>(path: string): Promise<T> {
  const res = await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status, path).toBe(200);
  return await res.json() as T;
}

let calls = 0;
/** A one-leg recorded call of configured user `index`, an hour apart from the others. */
async function addCall(index: number): Promise<GroundTruthCall> {
  calls += 1;
  return sim.control.addPhoneCall(tenant.zoom.accountId, {
    userId: tenant.users[index]!.zoomUserId, legs: 1, recorded: true, start_time: new Date(NOW - calls * HOUR).toISOString(), durationSeconds: 45 + calls,
  });
}
const recordingOf = (call: GroundTruthCall) => call.legs[0]!.recording!;

/** Each call's recording is stored, its bytes hashed from the bucket; nothing else is under the tenant. */
async function expectStored(good: readonly GroundTruthCall[]): Promise<void> {
  const rows = new Map((await mediaFilesOf(world, tenant.tenantId)).map((r) => [r.zoomFileId, r]));
  const stored: string[] = [];
  for (const call of good) {
    const rec = recordingOf(call);
    const row = rows.get(rec.id);
    expect(row?.state, `recording ${rec.id}`).toBe('stored');
    expect(await s3ObjectSha256(world.bucket.client, world.bucket.bucket, row!.storageKey)).toEqual({ sha256: rec.file.sha256, size: rec.file.file_size });
    stored.push(row!.storageKey);
  }
  expect(await bucketKeys(world, tenant.tenantId)).toEqual(stored.sort());
}

describe('a phone sync with recordings Zoom will not serve', () => {
  it('fails each with its reason, stores none of them, and archives every other call', async () => {
    await useTenant(0);
    const good = [await addCall(0), await addCall(1), await addCall(2), await addCall(0)];
    const faults = { json_body: await addCall(1), empty_body: await addCall(2), not_found: await addCall(0) } as const;
    for (const [fault, call] of Object.entries(faults)) await sim.control.setFileFault(tenant.zoom.accountId, recordingOf(call).file.id, fault as keyof typeof faults);

    const totals = await runPhoneSync(world, tenant.tenantId);
    expect(totals).toMatchObject({ calls: 7, stored: 4, failed: 3, cdrs: 7 });

    await expectStored(good);
    const rows = new Map((await mediaFilesOf(world, tenant.tenantId)).map((r) => [r.zoomFileId, r]));

    // Each refused recording: failed with what Zoom answered, its user's CDR says the recording failed.
    const reasons = {
      json_body: /answered application\/json.*Zoom refused the download.*3301 This recording does not exist/,
      empty_body: /answered an empty body \(Content-Length: 0\) instead of the recording/,
      not_found: /File does not exist/,
    };
    const cdrs = await cdrsOf(world, tenant.tenantId);
    for (const [fault, call] of Object.entries(faults)) {
      const rec = recordingOf(call);
      expect(rows.get(rec.id), fault).toMatchObject({ state: 'failed', storedSize: null });
      expect(rows.get(rec.id)!.lastError, fault).toMatch(reasons[fault as keyof typeof reasons]);
      const cdr = cdrs.find((c) => c.platformCallId === call.call_id);
      expect(cdr, fault).toMatchObject({ recordedUserZoomId: call.legs[0]!.owner_user_id, recordingFailed: true });
      expect(cdr!.mediaError, fault).toContain(rec.id);
    }

    // The sync itself finished; support sees the three failures and why.
    expect((await getSyncState(world.database.db, tenant.tenantId, 'phone'))?.status).toBe('finished');
    const reasonOf = Object.fromEntries(Object.values(faults).map((c) => [recordingOf(c).id, rows.get(recordingOf(c).id)!.lastError]));
    const status = await support<Status>('/status');
    expect(status).toMatchObject({ healthy: false, archive: { filesStored: 4, filesFailed: 3 } });
    expect(Object.fromEntries(status.recentFailures.map((f) => [f.zoomFileId, f.error]))).toEqual(reasonOf);
    const failed = await support<{ total: number; files: { zoomFileId: string; error: string }[] }>('/files?state=failed');
    expect(failed.total).toBe(3);
    expect(Object.fromEntries(failed.files.map((f) => [f.zoomFileId, f.error]))).toEqual(reasonOf);
  });
});

describe('a phone sync with a call whose history Zoom refuses', () => {
  it('fails that call\'s recordings with Zoom\'s answer and archives every other call', async () => {
    await useTenant(1);
    const good = [await addCall(0), await addCall(1), await addCall(2)];
    const refused = await addCall(1);
    await sim.control.setCallFault(tenant.zoom.accountId, refused.call_id, 'refused');

    const totals = await runPhoneSync(world, tenant.tenantId);
    expect(totals).toMatchObject({ calls: 4, stored: 3, failed: 1, cdrs: 3 });
    await expectStored(good);
    const row = (await mediaFilesOf(world, tenant.tenantId)).find((r) => r.zoomFileId === recordingOf(refused).id);
    expect(row?.state).toBe('failed');
    expect(row?.lastError).toMatch(/^call could not be archived: .*HTTP 400, code 300: The call log cannot be read/);

    expect((await getSyncState(world.database.db, tenant.tenantId, 'phone'))?.status).toBe('finished');
    const status = await support<Status>('/status');
    expect(status).toMatchObject({ healthy: false, archive: { filesStored: 3, filesFailed: 1 } });
    expect(status.recentFailures).toEqual([{ zoomFileId: recordingOf(refused).id, meetingUuid: refused.call_id, sourcePlatform: 'Zoom Phone', error: row!.lastError, failedAt: row!.updatedAt.toISOString() }]);
    const failed = await support<{ files: { zoomFileId: string; meetingUuid: string; error: string }[] }>('/files?state=failed');
    expect(failed.files).toEqual([expect.objectContaining({ zoomFileId: recordingOf(refused).id, meetingUuid: refused.call_id, error: row!.lastError })]);
  });
});

describe('a call whose ingest stopped after its recordings were stored', () => {
  it('gets its CDRs from the next sync, without a second download', async () => {
    await useTenant(2);
    const calls = [await addCall(0), await addCall(1)];
    expect(await runPhoneSync(world, tenant.tenantId)).toMatchObject({ calls: 2, stored: 2, cdrs: 2 });
    await expectStored(calls);
    const [broken] = calls;
    const before = (await cdrsOf(world, tenant.tenantId)).find((c) => c.platformCallId === broken!.call_id)!;
    // What an ingestPhoneCall that failed (or was terminated) between its downloads and its CDRs leaves.
    await world.database.db.delete(conversations).where(and(eq(conversations.tenantId, tenant.tenantId), eq(conversations.platformCallId, broken!.call_id)));
    const downloads = (await sim.control.getCounters()).tenantEndpoints[tenant.zoom.accountId]?.[DOWNLOAD];
    expect(downloads).toBe(2);

    await markSyncFinished(world.database.db, tenant.tenantId, 'phone', { watermark: new Date(NOW - 24 * HOUR) });
    expect(await runPhoneSync(world, tenant.tenantId)).toMatchObject({ calls: 1, stored: 0, alreadyStored: 1, failed: 0, cdrs: 1 });
    const { id: _id, createdAt: _c, updatedAt: _u, ...written } = (await cdrsOf(world, tenant.tenantId)).find((c) => c.platformCallId === broken!.call_id)!;
    const { id: _id0, createdAt: _c0, updatedAt: _u0, ...expected } = before;
    expect(written).toEqual(expected);
    expect((await sim.control.getCounters()).tenantEndpoints[tenant.zoom.accountId]?.[DOWNLOAD]).toBe(2);
    await expectStored(calls);
    // Nothing left to do: the sync after takes no call.
    expect(await runPhoneSync(world, tenant.tenantId)).toMatchObject({ calls: 0 });
  });
});
