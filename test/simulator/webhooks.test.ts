import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator, SimTenantCredentials } from '../../src/simulator/index.js';
import { startTestSimulator } from './helpers.js';
import type { JsonBody } from './helpers.js';

interface Received { headers: IncomingHttpHeaders; body: string }

let sim: RunningSimulator;
let t: SimTenantCredentials;
let receiver: Server;
let url: string;
const received: Received[] = [];
let answers: number[] = [];
/** Zoom waits 5, 20 and 60 minutes between attempts; here the same schedule in milliseconds. */
const RETRY_DELAYS_MS = [50, 100, 150];

const deliveryLog = async (id: string) => {
  const found = (await sim.control.webhookDeliveries()).find((d) => d.id === id);
  if (!found) throw new Error(`the simulator logged no delivery ${id}`);
  return found;
};

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); });
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      const parsed = JSON.parse(body) as { event: string; payload: { plainToken?: string } };
      if (parsed.event === 'endpoint.url_validation') {
        const plainToken = parsed.payload.plainToken ?? '';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ plainToken, encryptedToken: createHmac('sha256', t.webhookSecretToken).update(plainToken).digest('hex') }));
        return;
      }
      res.writeHead(answers.shift() ?? 200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/zoom`;
  sim = await startTestSimulator({ seed: 5, webhookUrl: url, webhookRetryDelaysMs: RETRY_DELAYS_MS, tenants: [{ users: 3, days: 2, phoneCallsPerDay: 2 }] });
  t = sim.tenants[0]!;
});
afterAll(async () => {
  await sim.close();
  await new Promise((resolve) => receiver.close(resolve));
});

function verify(r: Received): boolean {
  const ts = String(r.headers['x-zm-request-timestamp']);
  const expected = `v0=${createHmac('sha256', t.webhookSecretToken).update(`v0:${ts}:${r.body}`).digest('hex')}`;
  return r.headers['x-zm-signature'] === expected;
}

describe('webhooks', () => {
  it('sends signed recording.completed, archive, meeting.ended and phone events', async () => {
    received.length = 0;
    for (const event of ['recording.completed', 'recording.archive_files_completed', 'meeting.ended', 'phone.recording_completed']) {
      const d = await sim.control.sendWebhook(t.accountId, event);
      expect(d.delivered).toBe(true);
    }
    expect(received).toHaveLength(4);
    for (const r of received) {
      expect(verify(r)).toBe(true);
      expect(r.headers['user-agent']).toBe('Zoom Marketplace/1.0a');
      expect(Math.abs(Number(r.headers['x-zm-request-timestamp']) * 1000 - Date.parse('2026-03-10T12:00:00Z'))).toBeLessThan(60_000);
    }
    const [rec, archive, ended, phone] = received.map((r) => JSON.parse(r.body) as JsonBody);
    expect(typeof rec!.download_token).toBe('string');
    expect(typeof rec!.payload.object.type).toBe('number');
    expect(archive!.payload.object.archive_files.length).toBeGreaterThan(0);
    expect(typeof ended!.payload.object.id).toBe('string');
    expect(phone!.payload.object.recordings[0].download_url).toContain('/v2/phone/recording/download/');
  });

  it('retries after 5xx on the configured schedule, and not after a 4xx', async () => {
    received.length = 0;
    answers = [500, 503];
    const failing = await sim.control.sendWebhook(t.accountId, 'meeting.ended');
    expect(failing.attempts.map((a) => a.status)).toEqual([500]);
    expect(failing.pending).toBe(true);
    // Retries run in the background; the simulator's log says when none is left.
    await expect.poll(async () => (await deliveryLog(failing.id)).pending, { timeout: 10_000 }).toBe(false);
    const log = await deliveryLog(failing.id);
    expect(log.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
    expect(log.delivered).toBe(true);
    // The same event each time, each signed afresh.
    expect(received.map((r) => r.body)).toEqual([failing.body, failing.body, failing.body]);
    expect(received.every(verify)).toBe(true);
    // Lower bounds only (a busy machine makes gaps longer, never shorter): each retry waits its
    // delay after the answer before it; 2 ms allowed for the millisecond clock's rounding.
    const at = log.attempts.map((a) => Date.parse(a.at));
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[0]! - 2);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[1]! - 2);

    answers = [400];
    const refused = await sim.control.sendWebhook(t.accountId, 'meeting.ended');
    expect(refused.attempts.map((a) => a.status)).toEqual([400]);
    // A 4xx schedules nothing: the simulator says so at once...
    expect(refused.pending).toBe(false);
    // ...and nothing came: after three times the whole retry schedule (a retry would have come
    // after the first delay, 50 ms), the log and the receiver still have the one attempt.
    await new Promise((resolve) => setTimeout(resolve, 3 * RETRY_DELAYS_MS.reduce((a, b) => a + b, 0)));
    expect((await deliveryLog(refused.id)).attempts).toHaveLength(1);
    expect(received.filter((r) => r.body === refused.body)).toHaveLength(1);
  });

  it('performs the endpoint.url_validation handshake', async () => {
    const d = await sim.control.validateWebhookUrl(t.accountId);
    expect(d.delivered).toBe(true);
    const unreachable = await sim.control.validateWebhookUrl(t.accountId, 'http://127.0.0.1:1/zoom');
    expect(unreachable.delivered).toBe(false);
    expect(unreachable.attempts[0]!.error).not.toBeNull();
  });
});
