import type { IncomingHttpHeaders } from 'node:http';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTenantsFile, parseTenantsFile } from '../../src/config/tenants-file.js';
import { startSimulator, type RunningSimulator, type SimTenantCredentials } from '../../src/simulator/index.js';
import { meetingWorkflowId, phoneCallWorkflowId } from '../../src/workflows/ids.js';
import { ZoomMeetingUuid, ZoomSource, ZoomTenant } from '../../src/workflows/search-attributes.js';
import { signWebhook, verifyWebhook } from '../../src/zoom/webhooks.js';
import { startTestApi, type TestApi } from './helpers.js';

// The receiver over real HTTP, on a real database and the real Temporal dev server, fed by the
// simulator's webhook sender (signed like Zoom). No worker runs: a started workflow stays RUNNING,
// which is what lets a second delivery find it already running.

const TENANT = 'sim-acme';
const PHONE_TENANT = 'sim-acme-phone';
/** One instant for the simulator (frozen) and the receiver: signatures and checks agree on any day. */
const NOW = '2026-03-10T12:00:00.000Z';
const nowSeconds = Date.parse(NOW) / 1000;

let api: TestApi;
let sim: RunningSimulator;
let zoom: SimTenantCredentials;
let url: string;
/** Headers of every request the receiver got, in order (the simulator does not keep them). */
const received: IncomingHttpHeaders[] = [];
const started = new Set<string>();

beforeAll(async () => {
  api = await startTestApi('api-webhooks', {
    now: () => new Date(NOW),
    beforeListen: (app) => app.addHook('onRequest', async (request) => {
      received.push(request.headers);
    }),
  });
  sim = await startSimulator({ seed: 11, now: NOW, freezeClock: true, tenants: [{ users: 2, meetingsPerDay: 3, days: 2, phoneCallsPerDay: 0, mediaScale: 0.001 }] });
  zoom = sim.tenants[0]!;
  const config = parseTenantsFile(JSON.stringify({
    tenants: [{
      id: TENANT, name: 'Simulated Acme', accountId: zoom.accountId, clientId: zoom.clientId,
      clientSecret: { env: 'SIM_CLIENT_SECRET' }, webhookSecretToken: { env: 'SIM_WEBHOOK_TOKEN' },
      apiBaseUrl: zoom.apiBaseUrl, oauthTokenUrl: zoom.oauthTokenUrl,
      sources: ['archiving', 'cloud_recordings'],
    }, {
      // The same account with Zoom Phone only, and nobody configured.
      id: PHONE_TENANT, name: 'Simulated Acme phones', accountId: zoom.accountId, clientId: zoom.clientId,
      clientSecret: { env: 'SIM_CLIENT_SECRET' }, webhookSecretToken: { env: 'SIM_WEBHOOK_TOKEN' },
      apiBaseUrl: zoom.apiBaseUrl, oauthTokenUrl: zoom.oauthTokenUrl,
      sources: ['phone'],
    }, {
      id: 'no-token', name: 'No webhook token', accountId: 'x', clientId: 'y', clientSecret: 'z',
    }],
  }), { source: 'tenants.json', env: { SIM_CLIENT_SECRET: zoom.clientSecret, SIM_WEBHOOK_TOKEN: zoom.webhookSecretToken } });
  await applyTenantsFile(api.database.db, api.secrets, config);
  url = `${api.baseUrl}/webhooks/zoom/${TENANT}`;
});

afterAll(async () => {
  for (const id of started) {
    await api.temporal.client.workflow.getHandle(id).terminate('webhook test done').catch((err: unknown) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    });
  }
  await sim?.close();
  await api?.close();
});

/** Posts a body signed with the tenant's secret (or the given one) at the given time. */
async function post(body: string, options: { secret?: string; timestamp?: number; path?: string } = {}) {
  const timestamp = String(options.timestamp ?? nowSeconds);
  const res = await fetch(options.path ? `${api.baseUrl}${options.path}` : url, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-zm-request-timestamp': timestamp,
      'x-zm-signature': signWebhook(options.secret ?? zoom.webhookSecretToken, timestamp, body),
    },
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const response = (text: string | null) => JSON.parse(text ?? 'null') as Record<string, unknown>;

async function latestRecordedMeeting(kind: 'recorded' | 'archived', not?: string) {
  const truth = await sim.control.groundTruth(zoom.accountId);
  const meeting = truth.meetings.filter((m) => m[kind] && m.uuid !== not).sort((a, b) => b.start_time.localeCompare(a.start_time))[0];
  if (!meeting) throw new Error(`the simulator has no ${kind} meeting`);
  return meeting;
}

describe('POST /webhooks/zoom/:tenant', () => {
  it('answers endpoint.url_validation so Zoom accepts the URL', async () => {
    const delivery = await sim.control.validateWebhookUrl(zoom.accountId, url);
    expect(delivery.attempts[0]?.status).toBe(200);
    expect(delivery.delivered).toBe(true);
    expect(Object.keys(response(delivery.response)).sort()).toEqual(['encryptedToken', 'plainToken']);
  });

  it('refuses an unsigned url_validation', async () => {
    const res = await fetch(url, { method: 'POST', body: JSON.stringify({ event: 'endpoint.url_validation', payload: { plainToken: 'abc' } }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'webhook signature rejected: missing_signature' });
  });

  it('starts one ingest workflow on recording.completed, with no download token in its history, and dedupes', async () => {
    const meeting = await latestRecordedMeeting('recorded');
    received.length = 0;
    const delivery = await sim.control.sendWebhook(zoom.accountId, 'recording.completed', { url, meetingUuid: meeting.uuid });
    const workflowId = meetingWorkflowId(TENANT, meeting.uuid);
    started.add(workflowId);
    expect(delivery.attempts).toEqual([expect.objectContaining({ status: 200 })]);
    expect(response(delivery.response)).toEqual({ status: 'started', workflowId });

    const handle = api.temporal.client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    expect(description.type).toBe('ingestMeeting');
    expect(description.status.name).toBe('RUNNING');
    expect(description.taskQueue).toBe(api.temporal.taskQueue);
    expect(description.typedSearchAttributes.get(ZoomTenant)).toBe(TENANT);
    expect(description.typedSearchAttributes.get(ZoomSource)).toBe('cloud_recordings');
    expect(description.typedSearchAttributes.get(ZoomMeetingUuid)).toBe(meeting.uuid);

    const history = await handle.fetchHistory();
    const startedEvent = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const payload = startedEvent?.input?.payloads?.[0]?.data;
    const input = JSON.parse(Buffer.from(payload ?? []).toString('utf8')) as unknown;
    expect(input).toEqual({
      tenantId: TENANT,
      source: 'cloud_recordings',
      trigger: 'webhook',
      meeting: {
        uuid: meeting.uuid,
        meetingNumber: String(meeting.id),
        topic: meeting.topic,
        hostId: meeting.host_id,
        startTime: new Date(meeting.start_time).toISOString(),
        durationMinutes: Math.round((Date.parse(meeting.end_time) - Date.parse(meeting.start_time)) / 60_000),
      },
    });
    // Nothing of the delivery's secrets in the history: not the download token, not a download URL.
    const sent = JSON.parse(delivery.body) as { download_token: string; payload: { object: { recording_files: { download_url: string }[] } } };
    expect(sent.download_token).toEqual(expect.any(String));
    const historyText = JSON.stringify(history, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value));
    expect(historyText).toContain(meeting.uuid);
    expect(historyText).not.toContain(sent.download_token);
    for (const file of sent.payload.object.recording_files) expect(historyText).not.toContain(file.download_url);

    // The same delivery again (same timestamp, same signature): a valid signature, so only the
    // replay guard can refuse it, and it does; the first copy was accepted above.
    const headers = received.at(-1)!;
    const replayHeaders = { 'x-zm-request-timestamp': String(headers['x-zm-request-timestamp']), 'x-zm-signature': String(headers['x-zm-signature']) };
    expect(verifyWebhook({ rawBody: delivery.body, headers: replayHeaders, secretToken: zoom.webhookSecretToken, now: new Date(NOW) })).toMatchObject({ ok: true });
    const replay = await fetch(url, { method: 'POST', body: delivery.body, headers: { 'content-type': 'application/json', ...replayHeaders } });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ status: 'duplicate' });

    // A second, distinct delivery for the same meeting while it runs: the running workflow is it.
    const second = await sim.control.sendWebhook(zoom.accountId, 'recording.completed', { url, meetingUuid: meeting.uuid });
    expect(second.attempts[0]?.status).toBe(200);
    expect(response(second.response)).toEqual({ status: 'already_running', workflowId });

    // Neither the duplicate nor the second delivery touched the running ingest: the same run,
    // nothing added to its history (no signal, no terminate-and-restart, no second start).
    const after = await handle.describe();
    expect(after.runId).toBe(description.runId);
    expect(after.status.name).toBe('RUNNING');
    expect((await handle.fetchHistory()).events?.length).toBe(history.events?.length);
  });

  it('starts the archiving ingest on recording.archive_files_completed', async () => {
    const meeting = await latestRecordedMeeting('archived', (await latestRecordedMeeting('recorded')).uuid);
    const delivery = await sim.control.sendWebhook(zoom.accountId, 'recording.archive_files_completed', { url, meetingUuid: meeting.uuid });
    const workflowId = meetingWorkflowId(TENANT, meeting.uuid);
    started.add(workflowId);
    expect(response(delivery.response)).toEqual({ status: 'started', workflowId });
    const description = await api.temporal.client.workflow.getHandle(workflowId).describe();
    expect(description.typedSearchAttributes.get(ZoomSource)).toBe('archiving');
  });

  it('ignores events it does not act on', async () => {
    const delivery = await sim.control.sendWebhook(zoom.accountId, 'meeting.ended', { url });
    expect(delivery.attempts[0]?.status).toBe(200);
    expect(response(delivery.response)).toEqual({ status: 'ignored' });
  });

  it('rejects a forged signature with 401 and starts nothing', async () => {
    const body = JSON.stringify({ event: 'recording.completed', event_ts: Date.parse(NOW), payload: { account_id: zoom.accountId, object: { uuid: 'forged==', id: 1, topic: 't', host_id: 'h', start_time: '2026-01-01T00:00:00Z', duration: 1 } } });
    const res = await post(body, { secret: 'not-the-tenant-secret' });
    expect(res).toEqual({ status: 401, json: { error: 'webhook signature rejected: bad_signature' } });
    await expect(api.temporal.client.workflow.getHandle(meetingWorkflowId(TENANT, 'forged==')).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('rejects a stale timestamp with 401', async () => {
    const body = JSON.stringify({ event: 'meeting.ended', event_ts: Date.parse(NOW), payload: { account_id: zoom.accountId, object: {} } });
    const res = await post(body, { timestamp: nowSeconds - 10 * 60 });
    expect(res).toEqual({ status: 401, json: { error: 'webhook signature rejected: stale' } });
  });

  it('answers 404 for an unknown tenant and 403 for a tenant without a webhook token', async () => {
    expect(await post('{}', { path: '/webhooks/zoom/nobody' })).toEqual({ status: 404, json: { error: "unknown tenant 'nobody'" } });
    const noToken = await post('{}', { path: '/webhooks/zoom/no-token' });
    expect(noToken.status).toBe(403);
    expect(noToken.json.error).toMatch(/no webhook secret token/);
  });

  it('answers 400 to a malformed body or missing fields, naming them', async () => {
    expect(await post('{"event": "recording.completed", ')).toEqual({ status: 400, json: { error: 'the body is not valid JSON' } });

    const noUuid = await post(JSON.stringify({ event: 'recording.completed', payload: { account_id: zoom.accountId, object: { id: 5, topic: 't', host_id: 'h', duration: 3 } } }));
    expect(noUuid.status).toBe(400);
    expect(noUuid.json.error).toBe('recording.completed is missing fields the archiver needs');
    expect(noUuid.json.details).toEqual([expect.stringMatching(/^payload\.object\.uuid: /), expect.stringMatching(/^payload\.object\.start_time: /)]);

    const noEvent = await post(JSON.stringify({ payload: {} }));
    expect(noEvent.status).toBe(400);
    expect(noEvent.json.details).toEqual([expect.stringMatching(/^event: /)]);
  });

  it('phone.recording_completed: ignored without the phone source or a configured user on it; 400 without recordings', async () => {
    const recording = {
      id: 'a'.repeat(32), call_id: '7000000000000000001', caller_number: '+14155550100', caller_number_type: 2, callee_number: '1001', callee_number_type: 1,
      callee_name: 'Someone', direction: 'inbound', duration: 30, download_url: `${zoom.apiBaseUrl}/phone/recording/download/${'a'.repeat(32)}`,
      date_time: '2026-03-10T11:00:00Z', owner: { type: 'user', id: 'not-configured', extension_number: 1001 },
    };
    const event = (object: unknown) => JSON.stringify({ event: 'phone.recording_completed', event_ts: Date.parse(NOW), payload: { account_id: zoom.accountId, object } });
    expect(await post(event({ recordings: [recording] }))).toEqual({ status: 200, json: { status: 'ignored', reason: `source phone is not enabled for tenant '${TENANT}'` } });
    const phoneUrl = `/webhooks/zoom/${PHONE_TENANT}`;
    expect(await post(event({ recordings: [recording] }), { path: phoneUrl })).toEqual({ status: 200, json: { status: 'ignored', reason: 'no recording of a configured user' } });
    const none = await post(event({}), { path: phoneUrl });
    expect(none.status).toBe(400);
    expect(none.json).toEqual({ error: 'phone.recording_completed is missing fields the archiver needs', details: [expect.stringMatching(/^payload\.object\.recordings: /)] });
    await expect(api.temporal.client.workflow.getHandle(phoneCallWorkflowId(PHONE_TENANT, recording.call_id)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('refuses an event for another Zoom account', async () => {
    const body = JSON.stringify({ event: 'recording.completed', payload: { account_id: 'someone-else', object: {} } });
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/account 'someone-else'/);
  });
});
