import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRecoveryItems, recoveryCounts } from '../../src/db/queries/recovery.js';
import { signalRecovery } from '../../src/recovery/submit.js';
import { startSimulator, type GroundTruthMeeting, type RunningSimulator } from '../../src/simulator/index.js';
import { recoveryWorkflowId } from '../../src/workflows/ids.js';
import {
  expectedArchive, expectStoredExactly, filesOf, mediaFilesOf, registerTenant, runSync, startE2eWorld, waitForRecoveryRequest,
  type E2eTenant, type E2eWorld,
} from './helpers.js';

// Recovery end to end: support's requests go to the tenant's recovery workflow by signal, on the
// real Temporal dev server, PostgreSQL and S3, against the Zoom simulator over HTTP. What must be
// archived comes from the simulator's ground truth; bytes are hashed from the bucket.

const QUIET = { phoneCallsPerDay: 0, mediaScale: 0.01, processingShare: 0, meetingsPerDay: 0, transcriptShare: 0, chatShare: 0, timelineShare: 0, unrecordedShare: 0, externalHostShare: 0 };
const HOUR = 3600_000;
const NOW = new Date(Math.floor(Date.now() / HOUR) * HOUR);

let world: E2eWorld;
let sim: RunningSimulator;

beforeAll(async () => {
  world = await startE2eWorld('e2e-recovery');
  sim = await startSimulator({ seed: 1414, now: NOW, freezeClock: true, tenants: [{ ...QUIET, users: 3, days: 1 }] });
});

afterAll(async () => {
  await sim?.close();
  await world?.close();
});

const truthOf = (tenant: E2eTenant) => sim.control.groundTruth(tenant.zoom.accountId);

/** Adds a recorded meeting hosted by `hostId`, held `hoursAgo` hours before the simulator's now. */
async function addMeeting(tenant: E2eTenant, hostId: string, hoursAgo: number): Promise<GroundTruthMeeting> {
  return sim.control.addMeeting(tenant.zoom.accountId, {
    hostId, recorded: true, start_time: new Date(NOW.getTime() - hoursAgo * HOUR).toISOString(), durationMinutes: 20, participants: 1,
  });
}

describe('recovery of a time frame', () => {
  it('archives exactly the meetings the archive lacks, and downloads nothing else again', async () => {
    const tenant = await registerTenant(world, sim, {
      simTenant: 0,
      configure: [{ index: 0, modality: 'video', individualAudio: false }, { index: 1, modality: 'video', individualAudio: false }],
    });
    const hosts = tenant.users.map((u) => u.zoomUserId);
    // 20 meetings archived by a sync; then 10 more held in the same hours that no sync saw (an outage).
    const before: GroundTruthMeeting[] = [];
    for (let i = 0; i < 20; i++) before.push(await addMeeting(tenant, hosts[i % 2]!, 30 - i));
    await runSync(world, tenant.tenantId);
    const archivedFirst = (await mediaFilesOf(world, tenant.tenantId)).filter((f) => f.state === 'stored');
    const missed: GroundTruthMeeting[] = [];
    for (let i = 0; i < 10; i++) missed.push(await addMeeting(tenant, hosts[i % 2]!, 29.5 - 2 * i));

    const truth = await truthOf(tenant);
    const expected = expectedArchive(truth, tenant);
    expect(expected).toHaveLength(30);
    const missedFiles = filesOf(expected.filter((m) => missed.some((x) => x.uuid === m.meeting.uuid)));
    expect(archivedFirst).toHaveLength(filesOf(expected).length - missedFiles.length);

    await sim.control.resetCounters();
    const requestId = randomUUID();
    await signalRecovery(world.temporal, tenant.tenantId, {
      name: 'recoverTimeframe',
      request: { requestId, source: 'cloud_recordings', from: new Date(NOW.getTime() - 31 * HOUR).toISOString(), to: NOW.toISOString(), requestedBy: 'e2e' },
    });
    const request = await waitForRecoveryRequest(world, tenant.tenantId, requestId);
    expect(request.status).toBe('finished');

    const counts = (await recoveryCounts(world.database.db, tenant.tenantId, [requestId])).get(requestId)!;
    expect(counts).toMatchObject({ total: 30, alreadyArchived: 20, missing: 10, archived: 10, failed: 0, notFound: 0, pending: 0, inProgress: 0 });
    const started = (await listRecoveryItems(world.database.db, tenant.tenantId, requestId)).filter((i) => i.foundMissing).map((i) => i.meetingUuid).sort();
    expect(started).toEqual(missed.map((m) => m.uuid).sort());
    // Only the missed meetings' files were downloaded; the 20 archived before were not fetched again.
    expect((await sim.control.getCounters()).downloads.requests).toBe(missedFiles.length);
    await expectStoredExactly(world, tenant.tenantId, filesOf(expected));
    // The tenant's recovery workflow is still there for the next request.
    const description = await world.temporal.client.workflow.getHandle(recoveryWorkflowId(tenant.tenantId)).describe();
    expect(description.status.name).toBe('RUNNING');
  });
});
