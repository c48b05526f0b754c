import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookReplayGuard, urlValidationResponse, verifyWebhook } from '../../src/zoom/index.js';
import { clientFor, startSimulator, type Simulator } from './sim-helpers.js';

interface Received {
  headers: IncomingHttpHeaders;
  rawBody: string;
}

let sim: Simulator;
let receiver: Server;
let url: string;
const received: Received[] = [];

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, tenants: [{ users: 2, meetingsPerDay: 2, days: 1, phoneCallsPerDay: 0, mediaScale: 0.001 }] });
  const secret = sim.tenants[0]!.webhookSecretToken;
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers, rawBody });
      const body = JSON.parse(rawBody) as { event: string; payload: { plainToken?: string } };
      const answer = body.event === 'endpoint.url_validation' ? JSON.stringify(urlValidationResponse(body.payload.plainToken ?? '', secret)) : '';
      res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/zoom/webhook`;
});

afterAll(async () => {
  await sim?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

describe('webhooks from the simulator', () => {
  it('answers endpoint.url_validation so Zoom accepts the endpoint', async () => {
    const delivery = await sim.control.validateWebhookUrl(sim.tenants[0]!.accountId, url);
    expect(delivery.delivered).toBe(true);
  });

  it('accepts a genuine event and rejects forged, stale and replayed ones', async () => {
    const tenant = sim.tenants[0]!;
    const secretToken = tenant.webhookSecretToken;
    received.length = 0;
    await sim.control.sendWebhook(tenant.accountId, 'recording.completed', { url });
    const got = received[0]!;
    const now = new Date(await sim.control.now());
    const guard = new WebhookReplayGuard();

    const genuine = verifyWebhook({ rawBody: got.rawBody, headers: got.headers, secretToken, now });
    const client = clientFor(tenant);
    expect(client.verifyWebhook({ rawBody: got.rawBody, headers: got.headers, now })).toEqual(genuine);
    await client.close();
    expect(genuine.ok).toBe(true);
    if (!genuine.ok) return;
    expect(guard.accept(genuine.signature, now)).toBe(true);
    expect(JSON.parse(got.rawBody)).toMatchObject({ event: 'recording.completed', download_token: expect.any(String) });

    // Forged: body changed, or signed with another secret.
    const forgedBody = got.rawBody.replace('"recording.completed"', '"recording.deleted"');
    expect(verifyWebhook({ rawBody: forgedBody, headers: got.headers, secretToken, now })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook({ rawBody: got.rawBody, headers: got.headers, secretToken: 'someone-else', now })).toEqual({ ok: false, reason: 'bad_signature' });

    // Replayed within the window: the signature checks out, the guard refuses it.
    const replay = verifyWebhook({ rawBody: got.rawBody, headers: got.headers, secretToken, now: new Date(now.getTime() + 60_000) });
    expect(replay.ok && guard.accept(replay.signature, new Date(now.getTime() + 60_000))).toBe(false);

    // Replayed later: stale.
    expect(verifyWebhook({ rawBody: got.rawBody, headers: got.headers, secretToken, now: new Date(now.getTime() + 6 * 60_000) })).toEqual({ ok: false, reason: 'stale' });
  });
});
