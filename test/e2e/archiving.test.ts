import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSyncState } from '../../src/db/queries/sync-state.js';
import { upsertTenant } from '../../src/db/queries/tenants.js';
import { simulatedTenantInput } from '../../src/demo/demo-tenant.js';
import type { TenantSyncTotals } from '../../src/ingest/types.js';
import { startSimulator, type GroundTruthMeeting, type RunningSimulator } from '../../src/simulator/index.js';
import { cdrsOf, mediaFilesOf, registerTenant, startE2eWorld, type E2eTenant, type E2eWorld } from './helpers.js';

// The compliance-archiving source end to end: one account-wide listing (/archive_files, 7-day
// windows), kept to the meetings configured users hosted, every archive file stored once with the
// simulator's SHA-256, one CDR per recorded user.

let world: E2eWorld;
let sim: RunningSimulator;
let tenant: E2eTenant;

beforeAll(async () => {
  world = await startE2eWorld('e2e-archiving');
  sim = await startSimulator({
    seed: 808,
    tenants: [{
      users: 3, inactiveUsers: 0, days: 10, meetingsPerDay: 3, archiving: true, phoneCallsPerDay: 0, mediaScale: 0.01,
      processingShare: 0, externalHostShare: 0, oddUuidShare: 0.3,
    }],
  });
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
  it('stores every archive file of the meetings configured users hosted, once, and nothing of the others', async () => {
    const truth = await sim.control.groundTruth(tenant.zoom.accountId);
    const configured = new Set(tenant.users.map((u) => u.zoomUserId));
    const configuredEmails = new Set(tenant.users.map((u) => u.email.toLowerCase()));
    const ended = (m: GroundTruthMeeting) => m.archived && Date.parse(m.end_time) <= Date.parse(truth.now);
    const hostedByConfigured = truth.meetings.filter((m) => ended(m) && configured.has(m.host_id));
    // Meetings with no configured user at all, as host or participant: nothing of theirs may be stored.
    const foreign = truth.meetings.filter((m) => ended(m) && !configured.has(m.host_id)
      && !m.participants.some((p) => configuredEmails.has(p.email.toLowerCase()))
      && !m.files.some((f) => f.participant_email && configuredEmails.has(f.participant_email.toLowerCase())));
    expect(hostedByConfigured.length).toBeGreaterThan(5);
    expect(foreign.length).toBeGreaterThan(0);

    const totals: TenantSyncTotals = await world.temporal.client.workflow.execute('tenantSync', {
      args: [{ tenantId: tenant.tenantId, source: 'archiving' }],
      taskQueue: world.temporal.taskQueue,
      workflowId: `sync:${tenant.tenantId}:archiving`,
    });
    expect(totals.failed).toBe(0);

    const rows = new Map((await mediaFilesOf(world, tenant.tenantId)).map((r) => [r.zoomFileId, r]));
    const expectedFiles = hostedByConfigured.flatMap((m) => m.files.filter((f) => f.kind === 'archive'));
    expect(expectedFiles.length).toBeGreaterThan(hostedByConfigured.length);
    for (const file of expectedFiles) {
      const row = rows.get(file.id);
      expect(row?.state, `archive file ${file.id} (${file.file_type})`).toBe('stored');
      expect(row?.sha256).toBe(file.sha256);
      expect(row?.storedSize).toBe(file.file_size);
      expect(await world.store.head(row!.storageKey)).toEqual({ size: file.file_size, sha256: file.sha256 });
    }
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
    const again: TenantSyncTotals = await world.temporal.client.workflow.execute('tenantSync', {
      args: [{ tenantId: tenant.tenantId, source: 'archiving' }],
      taskQueue: world.temporal.taskQueue,
      workflowId: `sync:${tenant.tenantId}:archiving:again`,
    });
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
