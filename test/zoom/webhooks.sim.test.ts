import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookReplayGuard, urlValidationResponse, verifyWebhook } from '../../src/zoom/index.js';
import { clientFor, startSimulator, type Simulator } from './sim-helpers.js';

interface Received {
  headers: IncomingHttpHeaders;
  rawBody: string;
}

/** The simulator's clock stands here: signatures' timestamps and the checks' `now` agree on any day. */
const NOW = '2026-03-10T12:00:00.000Z';
let sim: Simulator;
let receiver: Server;
let url: string;
const received: Received[] = [];

beforeAll(async () => {
  sim = await startSimulator({ seed: 5, now: NOW, freezeClock: true, tenants: [{ users: 2, meetingsPerDay: 2, days: 1, phoneCallsPerDay: 0, mediaScale: 0.001 }] });
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
    await sim.control.sendWebhook(tenant.accountId, 'recording.completed', { url });
    expect(received).toHaveLength(2);
    const [got, other] = received as [Received, Received];
    const now = new Date(await sim.control.now());
    expect(now.toISOString()).toBe(NOW);
    const guard = new WebhookReplayGuard();

    // Genuine: the signature checks out with the tenant's secret (and the client says the same).
    const genuine = verifyWebhook({ rawBody: got.rawBody, headers: got.headers, secretToken, now });
    expect(genuine).toEqual({ ok: true, timestamp: Date.parse(NOW) / 1000, signature: got.headers['x-zm-signature'] });
    const client = clientFor(tenant);
    expect(client.verifyWebhook({ rawBody: got.rawBody, headers: got.headers, now })).toEqual(genuine);
    await client.close();
    expect(JSON.parse(got.rawBody)).toMatchObject({ event: 'recording.completed', download_token: expect.any(String) });
    if (!genuine.ok) throw new Error('unreachable: asserted above');
    expect(guard.accept(genuine.signature, now)).toBe(true);

    // Forged: body changed, or signed with another secret.
    const forgedBody = got.rawBody.replace('"recording.completed"', '"recording.deleted"');
    expect(forgedBody).not.toBe(got.rawBody);
    expect(verifyWebhook({ rawBody: forgedBody, headers: got.headers, secretToken, now })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook({ rawBody: got.rawBody, headers: got.headers, secretToken: 'someone-else', now })).toEqual({ ok: false, reason: 'bad_signature' });

    // Replayed a minute later, inside the window: the signature is still valid (so verification
    // alone would let it in), and the guard is what refuses it.
    const later = new Date(now.getTime() + 60_000);
    const replay = verifyWebhook({ rawBody: got.rawBody, headers: got.headers, secretToken, now: later });
    expect(replay).toEqual(genuine);
    if (!replay.ok) throw new Error('unreachable: asserted above');
    expect(guard.accept(replay.signature, later)).toBe(false);

    // The guard refuses the replay, not everything: a second genuine delivery still gets in.
    const second = verifyWebhook({ rawBody: other.rawBody, headers: other.headers, secretToken, now: later });
    expect(second.ok).toBe(true);
    if (!second.ok) throw new Error('unreachable: asserted above');
    expect(second.signature).not.toBe(genuine.signature);
    expect(guard.accept(second.signature, later)).toBe(true);

    // Replayed later than five minutes: stale.
    expect(verifyWebhook({ rawBody: got.rawBody, headers: got.headers, secretToken, now: new Date(now.getTime() + 6 * 60_000) })).toEqual({ ok: false, reason: 'stale' });
  });
});
