import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSyncState } from '../../src/db/queries/sync-state.js';
import { upsertTenant } from '../../src/db/queries/tenants.js';
import { simulatedTenantInput } from '../../src/demo/demo-tenant.js';
import type { TenantSyncTotals } from '../../src/ingest/types.js';
import { startSimulator, type GroundTruthFile, type GroundTruthMeeting, type RunningSimulator } from '../../src/simulator/index.js';
import { cdrsOf, expectStoredExactly, mediaFilesOf, registerTenant, runSync, startE2eWorld, type E2eTenant, type E2eWorld } from './helpers.js';

// The compliance-archiving source end to end: one account-wide listing (/archive_files, 7-day
// windows), kept to the meetings configured users hosted, every archive file stored once with the
// simulator's SHA-256, one CDR per recorded user.

let world: E2eWorld;
let sim: RunningSimulator;
let tenant: E2eTenant;

beforeAll(async () => {
  world = await startE2eWorld('e2e-archiving');
  // A frozen clock: which archives are complete (5-40 minutes after a meeting ends) depends on the
  // ground truth's moment only, never on when the test runs.
  sim = await startSimulator({
    seed: 808,
    now: new Date(),
    freezeClock: true,
    tenants: [{
      users: 3, inactiveUsers: 0, days: 10, meetingsPerDay: 3, archiving: true, phoneCallsPerDay: 0, mediaScale: 0.01,
      processingShare: 0, externalHostShare: 0, oddUuidShare: 0.3,
    }],
  });
  // A meeting that ended three minutes ago: its archive is not complete yet (5-40 minutes), so it is
  // neither expected nor listed, whatever the time of day the test runs.
  const account = sim.tenants[0]!.accountId;
  const host = (await sim.control.groundTruth(account)).users[0]!;
  await sim.control.addMeeting(account, { hostId: host.id, start_time: new Date(Date.parse(await sim.control.now()) - 23 * 60_000).toISOString(), durationMinutes: 20 });
  // Users 0 and 1 are recorded with every file (video and individual audio); user 2 is left out.
  tenant = await registerTenant(world, sim, {
    simTenant: 0,
    configure: [{ index: 0, modality: 'video', individualAudio: true }, { index: 1, modality: 'screen', individualAudio: true }],
  });
  await upsertTenant(world.database.db, world.secrets, simulatedTenantInput(tenant.tenantId, `E2E ${tenant.zoom.accountId}`, tenant.zoom, {
    archivingEnabled: true,
    cloudRecordingsEnabled: false,
  }));
});

afterAll(async () => {
  await sim?.close();
  await world?.close();
});

describe('archiving source', () => {
  it('stores, once, every archive file the configured users need (meetings they hosted or have their own recording in), and nothing of the others', async () => {
    const truth = await sim.control.groundTruth(tenant.zoom.accountId);
    const configured = new Set(tenant.users.map((u) => u.zoomUserId));
    const configuredEmails = new Set(tenant.users.map((u) => u.email.toLowerCase()));
    // An archive counts once Zoom completed it (5-40 minutes after the meeting), as the ground truth says.
    const ended = (m: GroundTruthMeeting) => m.archived && m.archive_complete_time !== null && Date.parse(m.archive_complete_time) <= Date.parse(truth.now);
    const hostedByConfigured = truth.meetings.filter((m) => ended(m) && configured.has(m.host_id));
    // Meetings with no configured user at all, as host or participant: nothing of theirs may be stored.
    const foreign = truth.meetings.filter((m) => ended(m) && !configured.has(m.host_id)
      && !m.participants.some((p) => configuredEmails.has(p.email.toLowerCase()))
      && !m.files.some((f) => f.participant_email && configuredEmails.has(f.participant_email.toLowerCase())));
    expect(hostedByConfigured.length).toBeGreaterThan(5);
    expect(foreign.length).toBeGreaterThan(0);

    const totals: TenantSyncTotals = await runSync(world, tenant.tenantId, `sync:${tenant.tenantId}:archiving`, { source: 'archiving' });
    expect(totals.failed).toBe(0);

    // The archive of a meeting a configured user hosted, or has an individual recording in (the
    // account-wide listing is kept to those). Its recorded users are the configured host and
    // participants; both record video and individual audio, so they need every shared file, their
    // own individual files, and the others' individual audio. Bytes hashed from the bucket.
    const ownsFileIn = (m: GroundTruthMeeting) => m.files.some((f) => f.kind === 'archive' && f.participant_email && configuredEmails.has(f.participant_email.toLowerCase()));
    const listed = truth.meetings.filter((m) => ended(m) && (configured.has(m.host_id) || ownsFileIn(m)));
    expect(listed.length).toBeGreaterThan(hostedByConfigured.length);
    const recordedEmails = (m: GroundTruthMeeting) => new Set(tenant.users.filter((u) => u.zoomUserId === m.host_id
      || m.participants.some((p) => p.id === u.zoomUserId || p.email.toLowerCase() === u.email.toLowerCase())
      || m.files.some((f) => f.participant_email?.toLowerCase() === u.email.toLowerCase())).map((u) => u.email.toLowerCase()));
    const needed = (m: GroundTruthMeeting, f: GroundTruthFile) => !f.participant_email
      || (recordedEmails(m).has(f.participant_email.toLowerCase()) ? ['M4A', 'MP3', 'MP4'].includes(f.file_type) : ['M4A', 'MP3'].includes(f.file_type));
    const expectedFiles = listed.flatMap((m) => m.files.filter((f) => f.kind === 'archive' && needed(m, f)).map((file) => ({ meetingUuid: m.uuid, file })));
    expect(expectedFiles.length).toBeGreaterThan(listed.length);
    await expectStoredExactly(world, tenant.tenantId, expectedFiles);
    const rows = new Map((await mediaFilesOf(world, tenant.tenantId)).map((r) => [r.zoomFileId, r]));
    for (const meeting of foreign) {
      expect([...rows.values()].filter((r) => r.platformCallId === meeting.uuid), `meeting ${meeting.uuid} of an unconfigured host`).toEqual([]);
    }

    const cdrs = await cdrsOf(world, tenant.tenantId);
    for (const meeting of hostedByConfigured) {
      const hostCdrs = cdrs.filter((c) => c.platformCallId === meeting.uuid && c.recordedUserZoomId === meeting.host_id);
      expect(hostCdrs, `host CDR of ${meeting.uuid}`).toHaveLength(1);
      expect(hostCdrs[0]).toMatchObject({ sourcePlatform: 'Zoom Meeting', to: 'Conference', toInfo: meeting.topic, conversationType: 'screen_share' });
    }
    expect(new Set(cdrs.map((c) => `${c.platformCallId}|${c.recordedUserZoomId}`)).size).toBe(cdrs.length);

    // A second sync finds everything archived: no child, no download.
    const again = await runSync(world, tenant.tenantId, `sync:${tenant.tenantId}:archiving:again`, { source: 'archiving' });
    expect(again).toMatchObject({ meetings: 0, stored: 0 });
  });
});

describe('a tenant whose Zoom credentials are wrong', () => {
  it('fails its sync at once and shows as unauthorized in its sync state', async () => {
    const tenantId = `${tenant.tenantId}-bad`;
    await upsertTenant(world.database.db, world.secrets, simulatedTenantInput(tenantId, 'Wrong secret', { ...tenant.zoom, clientSecret: 'not-the-secret' }, {
      archivingEnabled: true,
      cloudRecordingsEnabled: false,
    }));
    await expect(world.temporal.client.workflow.execute('tenantSync', {
      args: [{ tenantId, source: 'archiving' }],
      taskQueue: world.temporal.taskQueue,
      workflowId: `sync:${tenantId}:archiving`,
    })).rejects.toBeInstanceOf(WorkflowFailedError);
    const state = await getSyncState(world.database.db, tenantId, 'archiving');
    expect(state).toMatchObject({ status: 'failed', authorizationStatus: 'unauthorized' });
    expect(state?.lastError).toMatch(/^ZoomAuthError: /);
    expect(state?.lastError).not.toContain('not-the-secret');
  });
});
