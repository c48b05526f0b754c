import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runInfraScript } from '../../src/local/infra-scripts.js';
import { startSimulator, type GroundTruthMeeting, type RunningSimulator } from '../../src/simulator/index.js';
import { meetingWorkflowId, phoneCallWorkflowId, recoveryWorkflowId, reconcileWorkflowId } from '../../src/workflows/ids.js';
import { expectedArchive, expectStoredExactly, filesOf, mediaFilesOf, registerTenant, startE2eWorld, waitForRecoveryRequest, type E2eTenant, type E2eWorld } from './helpers.js';
import { uniqueSuffix } from '../harness/index.js';
import { s3ObjectSha256 } from '../harness/stored-bytes.js';

// The Temporal Web UI as the engineers' console, driven the way the UI drives it: the Temporal CLI
// (`temporal workflow start --type … --input '<json>'`, the same JSON payload the UI's Start
// Workflow form sends) against the dev server, under random workflow IDs, with a worker of the
// product's code and the Zoom simulator behind it. Expectations come from the ground truth.

const run = promisify(execFile);
const HOUR = 3600_000;
const NOW = new Date(Math.floor(Date.now() / HOUR) * HOUR);

let world: E2eWorld;
let sim: RunningSimulator;
let cli: string;
let tenant: E2eTenant;
let phoneTenant: E2eTenant;

beforeAll(async () => {
  cli = runInfraScript('install-temporal-cli');
  world = await startE2eWorld('e2e-temporal-ui');
  sim = await startSimulator({
    seed: 1515, now: NOW, freezeClock: true,
    tenants: [
      { users: 2, days: 1, meetingsPerDay: 0, phoneCallsPerDay: 0, mediaScale: 0.01, processingShare: 0, transcriptShare: 0, timelineShare: 0 },
      { users: 3, inactiveUsers: 0, days: 1, meetingsPerDay: 0, phoneCallsPerDay: 4, mediaScale: 0.01 },
    ],
  });
  tenant = await registerTenant(world, sim, { simTenant: 0, configure: [{ index: 0, modality: 'video', individualAudio: false }] });
  phoneTenant = await registerTenant(world, sim, {
    simTenant: 1,
    configure: [0, 1, 2].map((index) => ({ index, modality: 'voice' as const, individualAudio: false, phoneExtension: true })),
    tenant: { archivingEnabled: false, cloudRecordingsEnabled: false, phoneEnabled: true },
  });
});

afterAll(async () => {
  await sim?.close();
  await world?.close();
});

/** `temporal <args>` against the harness's dev server; resolves with its stdout (JSON where asked). */
async function temporal(args: string[]): Promise<string> {
  const { stdout } = await run(cli, [...args, '--address', inject('temporalAddress'), '--namespace', inject('temporalNamespace')], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Starts a workflow as the UI's Start Workflow form does: a type, the task queue, any ID, one JSON input. */
async function startFromUi(type: string, input: unknown, workflowId = `ui-${uniqueSuffix()}`): Promise<string> {
  await temporal(['workflow', 'start', '--type', type, '--task-queue', world.temporal.taskQueue, '--workflow-id', workflowId, '--input', JSON.stringify(input)]);
  return workflowId;
}

async function resultOf(workflowId: string): Promise<unknown> {
  return world.temporal.client.workflow.getHandle(workflowId).result();
}

const addMeeting = (hoursAgo: number, input: Parameters<RunningSimulator['control']['addMeeting']>[1] = {}): Promise<GroundTruthMeeting> =>
  sim.control.addMeeting(tenant.zoom.accountId, {
    hostId: tenant.users[0]!.zoomUserId, recorded: true, durationMinutes: 15, participants: 1,
    start_time: new Date(NOW.getTime() - hoursAgo * HOUR).toISOString(), ...input,
  });

interface Described {
  closeEvent?: { eventType: string; workflowExecutionFailedEventAttributes?: { failure: { message: string; applicationFailureInfo?: { type: string; nonRetryable?: boolean } } } };
  executionConfig: { userMetadata?: { summary?: string; details?: string } };
  workflowExecutionInfo: { status: string; memo?: { fields?: Record<string, unknown> } };
}

const describeOf = async (workflowId: string): Promise<Described> => JSON.parse(await temporal(['workflow', 'describe', '--workflow-id', workflowId, '-o', 'json'])) as Described;

/** The workflow tasks a run took (a failure in the first task and no retry: exactly one). */
async function workflowTasksOf(workflowId: string): Promise<number> {
  const history = JSON.parse(await temporal(['workflow', 'show', '--workflow-id', workflowId, '-o', 'json'])) as { events: { eventType: string }[] };
  return history.events.filter((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_STARTED').length;
}

/** How many times the run scheduled an activity of this type. */
async function activitiesScheduled(workflowId: string, activityType: string): Promise<number> {
  const history = JSON.parse(await temporal(['workflow', 'show', '--workflow-id', workflowId, '-o', 'json'])) as { events: { eventType: string; activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }[] };
  return history.events.filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED' && e.activityTaskScheduledEventAttributes?.activityType?.name === activityType).length;
}

/** Waits for a run to close and returns how it failed. */
async function failureOf(workflowId: string): Promise<{ message: string; type: string | undefined; nonRetryable: boolean | undefined }> {
  await expect(resultOf(workflowId)).rejects.toThrow();
  const failure = (await describeOf(workflowId)).closeEvent?.workflowExecutionFailedEventAttributes?.failure;
  return { message: failure?.message ?? '', type: failure?.applicationFailureInfo?.type, nonRetryable: failure?.applicationFailureInfo?.nonRetryable };
}

describe('starting the archive of a meeting from the UI', () => {
  it('{tenantId, meetingUuid} under a random ID hands the meeting to meeting:<tenant>:<uuid>, which archives it, readable in the UI', async () => {
    const meeting = await addMeeting(5);
    const id = await startFromUi('ingestMeeting', { tenantId: tenant.tenantId, meetingUuid: meeting.uuid });
    const canonical = meetingWorkflowId(tenant.tenantId, meeting.uuid);
    expect(await resultOf(id)).toEqual({ handedTo: [{ workflowId: canonical, status: 'started' }] });
    await resultOf(canonical);
    const expected = expectedArchive(await sim.control.groundTruth(tenant.zoom.accountId), tenant).filter((m) => m.meeting.uuid === meeting.uuid);
    await expectStoredExactlyFor(meeting.uuid, expected);
    // The UI's list and detail pages show what the meeting is, not only its UUID.
    const described = await describeOf(canonical);
    expect(described.executionConfig.userMetadata?.summary).toBe(`${meeting.topic} · host ${meeting.host_id} · ${meeting.start_time.slice(0, 10)} ${meeting.start_time.slice(11, 16)} UTC`);
    expect(described.executionConfig.userMetadata?.details).toContain(`instance UUID: \`${meeting.uuid}\``);
    expect(described.workflowExecutionInfo.memo?.fields).toMatchObject({ tenant: tenant.tenantId, meetingNumber: String(meeting.id) });
  });

  it('{tenantId, meetingId} hands every ended instance of the number to its own workflow', async () => {
    const first = await addMeeting(8, { id: 87654321098 });
    const second = await addMeeting(7, { id: 87654321098 });
    const id = await startFromUi('ingestMeeting', { tenantId: tenant.tenantId, meetingId: '876 5432 1098' });
    const result = await resultOf(id) as { handedTo: { workflowId: string; status: string }[] };
    expect(result.handedTo.map((h) => h.workflowId).sort()).toEqual([first, second].map((m) => meetingWorkflowId(tenant.tenantId, m.uuid)).sort());
    for (const h of result.handedTo) await resultOf(h.workflowId);
    const truth = expectedArchive(await sim.control.groundTruth(tenant.zoom.accountId), tenant);
    for (const m of [first, second]) await expectStoredExactlyFor(m.uuid, truth.filter((e) => e.meeting.uuid === m.uuid));
  });

  it('a start of a meeting already being archived does not archive it twice', async () => {
    const meeting = await addMeeting(4);
    const truth = expectedArchive(await sim.control.groundTruth(tenant.zoom.accountId), tenant).filter((m) => m.meeting.uuid === meeting.uuid);
    const slowFile = filesOf(truth)[0]!.file;
    // Its first file takes 8 s: the meeting is surely still being archived when the UI start comes.
    await sim.control.setFileFault(tenant.zoom.accountId, slowFile.id, 'slow', 8_000);
    const canonical = meetingWorkflowId(tenant.tenantId, meeting.uuid);
    await startFromUi('ingestMeeting', { tenantId: tenant.tenantId, meetingUuid: meeting.uuid }, canonical);
    await sim.control.resetCounters();
    const second = await startFromUi('ingestMeeting', { tenantId: tenant.tenantId, meetingUuid: meeting.uuid });
    expect(await resultOf(second)).toEqual({ handedTo: [{ workflowId: canonical, status: 'already_running' }] });
    await resultOf(canonical);
    await sim.control.setFileFault(tenant.zoom.accountId, slowFile.id, null);
    // Started by hand under its canonical ID, it is as findable as a schedule's: `ZoomTenant = "<tenant>"`.
    const listed = await temporal(['workflow', 'list', '--query', `ZoomTenant = "${tenant.tenantId}" AND WorkflowId = "${canonical}"`, '-o', 'jsonl']);
    expect(listed).toContain(canonical);
    await expectStoredExactlyFor(meeting.uuid, truth);
    // Each file was downloaded once: by the canonical workflow, never by the second start.
    expect((await sim.control.getCounters()).downloads.requests).toBeLessThanOrEqual(filesOf(truth).length);
  });
});

describe('other workflows started from the UI', () => {
  it('reconcile under a random ID hands the day to reconcile:<tenant>:<family>:<day>; query progress works on it', async () => {
    const day = new Date(NOW.getTime() - 86_400_000).toISOString().slice(0, 10);
    const id = await startFromUi('reconcile', { tenantId: tenant.tenantId, family: 'meetings', day });
    const canonical = reconcileWorkflowId(tenant.tenantId, 'meetings', day);
    expect(await resultOf(id)).toEqual({ handedTo: [{ workflowId: canonical, status: 'started' }] });
    const progress = JSON.parse(await temporal(['workflow', 'query', '--workflow-id', canonical, '--type', 'progress', '-o', 'json'])) as { queryResult: [{ day: string; family: string }] };
    expect(progress.queryResult[0]).toMatchObject({ day, family: 'meetings' });
    expect(await resultOf(canonical)).toMatchObject({ day, status: 'finished' });
    expect((await describeOf(canonical)).executionConfig.userMetadata?.summary).toBe(`Reconcile meetings of ${day} · tenant ${tenant.tenantId}`);
  });

  it('a reconciliation asleep for Zoom\'s quota is found by ZoomState = "waiting_for_quota", resumeNow wakes it and a cancel signal ends it', async () => {
    // A tenant whose whole daily quota is taken: its reconciliation sleeps at its first heavy call.
    const starved = await registerTenant(world, sim, {
      simTenant: 0, configure: [{ index: 1, modality: 'video', individualAudio: false }],
      tenant: { options: { deleteAfterArchive: false, zoomDailyQuota: { meetings: 1 }, reconciliation: { quotaShare: 0.01, meetingPlan: 'user_reports' } } },
    });
    const day = new Date(NOW.getTime() - 86_400_000).toISOString().slice(0, 10);
    const canonical = reconcileWorkflowId(starved.tenantId, 'meetings', day);
    await startFromUi('reconcile', { tenantId: starved.tenantId, family: 'meetings', day }, canonical);
    const progressOf = async () => (JSON.parse(await temporal(['workflow', 'query', '--workflow-id', canonical, '--type', 'progress', '-o', 'json'])) as { queryResult: [{ status: string }] }).queryResult[0];
    await expect.poll(async () => (await progressOf()).status, { timeout: 30_000, interval: 1_000 }).toBe('waiting_for_quota');
    const query = `WorkflowType = "reconcile" AND ExecutionStatus = "Running" AND ZoomState = "waiting_for_quota"`;
    await expect.poll(async () => (JSON.parse(`[${(await temporal(['workflow', 'list', '--query', query, '-o', 'jsonl'])).trim().split('\n').filter(Boolean).join(',')}]`) as { execution: { workflowId: string } }[])
      .map((w) => w.execution.workflowId), { timeout: 30_000, interval: 1_000 }).toContain(canonical);
    // resumeNow wakes it before 00:00 UTC: the walk is tried again at once (and, the quota still
    // spent, it falls asleep again).
    const walksBefore = await activitiesScheduled(canonical, 'walkMeetingLogs');
    await temporal(['workflow', 'signal', '--workflow-id', canonical, '--name', 'resumeNow']);
    await expect.poll(() => activitiesScheduled(canonical, 'walkMeetingLogs'), { timeout: 30_000, interval: 1_000 }).toBe(walksBefore + 1);
    await expect.poll(async () => (await progressOf()).status, { timeout: 30_000, interval: 1_000 }).toBe('waiting_for_quota');
    await temporal(['workflow', 'signal', '--workflow-id', canonical, '--name', 'cancel']);
    expect(await resultOf(canonical)).toMatchObject({ status: 'cancelled' });
  });

  it('recovery under a random ID sends its request to recovery:<tenant>; the update answers with a request id; query and signal work', async () => {
    const meeting = await addMeeting(3);
    const id = await startFromUi('recovery', { tenantId: tenant.tenantId, meetings: { refs: [meeting.uuid] } });
    const sent = await resultOf(id) as { handedTo: { workflowId: string }[]; requestId: string };
    expect(sent.handedTo).toEqual([{ workflowId: recoveryWorkflowId(tenant.tenantId), status: 'started' }]);
    expect(await waitForRecoveryRequest(world, tenant.tenantId, sent.requestId)).toMatchObject({ status: 'finished', requestedBy: 'temporal-ui' });

    // An update gets the request's id back; a bad one is rejected before it enters the history.
    const later = await addMeeting(2);
    const updated = JSON.parse(await temporal(['workflow', 'update', 'execute', '--workflow-id', recoveryWorkflowId(tenant.tenantId), '--name', 'requestMeetings',
      '--input', JSON.stringify({ refs: [later.uuid], requestedBy: 'engineer' }), '-o', 'json'])) as { result: { requestId: string; status: string } };
    expect(updated.result).toMatchObject({ status: 'queued', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    await expect(temporal(['workflow', 'update', 'execute', '--workflow-id', recoveryWorkflowId(tenant.tenantId), '--name', 'requestMeetings', '--input', JSON.stringify({ refs: ['nope'], requestedBy: 'engineer' })]))
      .rejects.toThrow(/unable to update workflow: refs\[0\]: \\?"nope\\?" is neither a meeting ID/);
    expect(await waitForRecoveryRequest(world, tenant.tenantId, updated.result.requestId)).toMatchObject({ status: 'finished' });
    const progress = JSON.parse(await temporal(['workflow', 'query', '--workflow-id', recoveryWorkflowId(tenant.tenantId), '--type', 'progress', '-o', 'json'])) as { queryResult: [{ requests: { requestId: string; archived: number }[] }] };
    expect(progress.queryResult[0].requests.find((r) => r.requestId === updated.result.requestId)).toMatchObject({ archived: 1 });
    // A cancel of a request already done changes nothing of it.
    await temporal(['workflow', 'signal', '--workflow-id', recoveryWorkflowId(tenant.tenantId), '--name', 'cancel', '--input', JSON.stringify({ requestId: updated.result.requestId })]);
    await expect.poll(() => activitiesScheduled(recoveryWorkflowId(tenant.tenantId), 'cancelRecovery'), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await waitForRecoveryRequest(world, tenant.tenantId, updated.result.requestId)).toMatchObject({ status: 'finished' });
    await expectStoredExactlyFor(later.uuid, expectedArchive(await sim.control.groundTruth(tenant.zoom.accountId), tenant).filter((m) => m.meeting.uuid === later.uuid));
    expect((await describeOf(recoveryWorkflowId(tenant.tenantId))).executionConfig.userMetadata?.summary).toBe(`Recovery of tenant ${tenant.tenantId} (requests by signal)`);
  });

  it('phoneSync and a call by {tenantId, callId} under random IDs: the call goes to phone:<tenant>:<call id>, nothing downloaded twice', async () => {
    const synced = await startFromUi('phoneSync', { tenantId: phoneTenant.tenantId });
    expect(await resultOf(synced)).toMatchObject({ failed: 0 });
    const calls = (await mediaFilesOf(world, phoneTenant.tenantId)).filter((f) => f.state === 'stored');
    expect(calls.length).toBeGreaterThan(0);
    const callId = calls[0]!.platformCallId;
    await sim.control.resetCounters();
    const id = await startFromUi('ingestPhoneCall', { tenantId: phoneTenant.tenantId, callId });
    expect(await resultOf(id)).toEqual({ handedTo: [{ workflowId: phoneCallWorkflowId(phoneTenant.tenantId, callId), status: 'started' }] });
    expect(await resultOf(phoneCallWorkflowId(phoneTenant.tenantId, callId))).toMatchObject({ stored: 0, failed: 0 });
    expect((await sim.control.getCounters()).downloads.requests).toBe(0);
    const summary = (await describeOf(phoneCallWorkflowId(phoneTenant.tenantId, callId))).executionConfig.userMetadata?.summary;
    expect(summary).toMatch(/ → /);
    // A call the archive never listed is refused at once, naming how it gets listed.
    const unknown = await startFromUi('ingestPhoneCall', { tenantId: phoneTenant.tenantId, callId: 'no-such-call' });
    expect((await failureOf(unknown)).message).toMatch(/has no listed call "no-such-call": a phone sync lists it/);
  });

  it('reconcileDays, a recovery of a time frame and a retry of failed files, each as documented, complete', async () => {
    const day = new Date(NOW.getTime() - 2 * 86_400_000).toISOString().slice(0, 10);
    const days = await startFromUi('reconcileDays', { tenantId: tenant.tenantId, from: day, to: day });
    const started = await resultOf(days) as { started: string[] };
    const dayId = reconcileWorkflowId(tenant.tenantId, 'meetings', day);
    // reconcileDays waits for its days and reports each.
    expect(started).toEqual({ started: [dayId], alreadyRunning: [], days: [{ workflowId: dayId, day, family: 'meetings', status: 'finished' }], status: 'finished' });
    expect(await resultOf(started.started[0]!)).toMatchObject({ day, status: 'finished' });

    const frame = await startFromUi('recovery', { tenantId: tenant.tenantId, timeframe: { source: 'cloud_recordings', from: new Date(NOW.getTime() - 6 * HOUR).toISOString(), to: NOW.toISOString(), reason: 'ticket 4711' } });
    const sentFrame = await resultOf(frame) as { requestId: string };
    expect(await waitForRecoveryRequest(world, tenant.tenantId, sentFrame.requestId)).toMatchObject({ status: 'finished', kind: 'timeframe', reason: 'ticket 4711' });

    // A file Zoom would not serve (404) fails; once it serves it again, a retry from the UI archives it.
    const meeting = await addMeeting(1);
    const expected = expectedArchive(await sim.control.groundTruth(tenant.zoom.accountId), tenant).filter((m) => m.meeting.uuid === meeting.uuid);
    const refused = filesOf(expected)[0]!.file;
    await sim.control.setFileFault(tenant.zoom.accountId, refused.id, 'not_found');
    const canonical = meetingWorkflowId(tenant.tenantId, meeting.uuid);
    await startFromUi('ingestMeeting', { tenantId: tenant.tenantId, meetingUuid: meeting.uuid }, canonical);
    expect(await resultOf(canonical)).toMatchObject({ failed: 1 });
    expect((await mediaFilesOf(world, tenant.tenantId)).find((f) => f.zoomFileId === refused.id)).toMatchObject({ state: 'failed' });
    await sim.control.setFileFault(tenant.zoom.accountId, refused.id, null);
    const retry = await startFromUi('recovery', { tenantId: tenant.tenantId, retryFailedFiles: {} });
    const sentRetry = await resultOf(retry) as { requestId: string };
    expect(await waitForRecoveryRequest(world, tenant.tenantId, sentRetry.requestId)).toMatchObject({ status: 'finished', kind: 'files' });
    await expectStoredExactlyFor(meeting.uuid, expected);
  });

  it('a sync of a source runs under any ID and archives like the schedule\'s', async () => {
    const id = await startFromUi('tenantSync', { tenantId: tenant.tenantId, source: 'cloud_recordings' });
    expect(await resultOf(id)).toMatchObject({ failed: 0 });
    await expectStoredExactly(world, tenant.tenantId, filesOf(expectedArchive(await sim.control.groundTruth(tenant.zoom.accountId), tenant)));
  });
});

describe('invalid input from the UI', () => {
  const cases: { what: string; type: string; input: (t: string) => unknown; message: RegExp; failureType: string }[] = [
    { what: 'no input at all', type: 'ingestMeeting', input: () => null, message: /^the input must be one JSON object, e\.g\. \{"tenantId":"acme","meetingUuid":"…"\}; got null$/, failureType: 'InvalidWorkflowInput' },
    { what: 'a range of reconciliation with a bad tenant id', type: 'reconcileDays', input: () => ({ tenantId: 'Acme Corp', from: '2026-11-01', to: '2026-11-02' }), message: /"tenantId" must be a tenant id/, failureType: 'InvalidWorkflowInput' },
    { what: 'an unknown tenant', type: 'ingestMeeting', input: () => ({ tenantId: 'acme-typo', meetingUuid: 'RNpCsw/vQwZiMD++A0dl9g==' }), message: /^unknown tenant "acme-typo"; the tenants are: /, failureType: 'UnknownTenant' },
    { what: 'a malformed meeting UUID', type: 'ingestMeeting', input: (t) => ({ tenantId: t, meetingUuid: 'not-a-uuid' }), message: /"meetingUuid" must be a Zoom instance UUID/, failureType: 'InvalidWorkflowInput' },
    { what: 'a meeting id of 5 digits', type: 'ingestMeeting', input: (t) => ({ tenantId: t, meetingId: '12345' }), message: /"meetingId" must be a meeting number of 9 to 11 digits/, failureType: 'InvalidWorkflowInput' },
    { what: 'both a UUID and an id', type: 'ingestMeeting', input: (t) => ({ tenantId: t, meetingId: '81234567890', meetingUuid: 'RNpCsw/vQwZiMD++A0dl9g==' }), message: /give exactly one of "meetingUuid"/, failureType: 'InvalidWorkflowInput' },
    { what: 'a source the tenant does not import', type: 'tenantSync', input: (t) => ({ tenantId: t, source: 'archiving' }), message: /does not import archiving; it imports: cloud_recordings/, failureType: 'SourceNotEnabled' },
    { what: 'a source that does not exist', type: 'tenantSync', input: (t) => ({ tenantId: t, source: 'archive' }), message: /"source" must be one of "archiving", "cloud_recordings"/, failureType: 'InvalidWorkflowInput' },
    { what: 'a malformed day', type: 'reconcile', input: (t) => ({ tenantId: t, family: 'meetings', day: '2026-13-01' }), message: /"day" must be a UTC day as yyyy-mm-dd/, failureType: 'InvalidReconcileInput' },
    { what: 'a call of a tenant that does not import phone', type: 'ingestPhoneCall', input: (t) => ({ tenantId: t, callId: 'some-call' }), message: /does not import phone; it imports: cloud_recordings/, failureType: 'SourceNotEnabled' },
    { what: 'a recovery with a bad time frame', type: 'recovery', input: (t) => ({ tenantId: t, timeframe: { source: 'cloud_recordings', from: 'yesterday', to: '2026-12-01T00:00:00Z' } }), message: /from: an ISO 8601 instant/, failureType: 'InvalidWorkflowInput' },
  ];

  it.each(cases)('$what fails in its first task with a non-retryable, readable failure', async ({ type, input, message, failureType }) => {
    const id = await startFromUi(type, input(tenant.tenantId));
    const failure = await failureOf(id);
    expect(failure.message).toMatch(message);
    expect(failure).toMatchObject({ type: failureType, nonRetryable: true });
    expect(await workflowTasksOf(id)).toBe(1);
  });
});

/** Every ground-truth file of the meeting stored once, its bytes hashed from the bucket; nothing else of it. */
async function expectStoredExactlyFor(meetingUuid: string, expected: ReturnType<typeof expectedArchive>) {
  const files = filesOf(expected);
  expect(files.length).toBeGreaterThan(0);
  const rows = (await mediaFilesOf(world, tenant.tenantId)).filter((f) => f.platformCallId === meetingUuid);
  expect(rows.map((r) => r.zoomFileId).sort()).toEqual(files.map((f) => f.file.id).sort());
  for (const { file } of files) {
    const row = rows.find((r) => r.zoomFileId === file.id)!;
    expect(row.state, `${file.file_type} ${file.id}`).toBe('stored');
    expect(await s3ObjectSha256(world.bucket.client, world.bucket.bucket, row.storageKey), `bytes of ${file.file_type} ${file.id}`).toEqual({ sha256: file.sha256, size: file.file_size });
  }
}
