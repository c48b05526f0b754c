import { describe, expect, it } from 'vitest';
import { signWebhook, urlValidationResponse, verifyWebhook, WebhookReplayGuard } from '../../src/zoom/webhooks.js';

const secret = 'wh-secret-token';
const rawBody = '{"event":"recording.completed","event_ts":1626230691572,"payload":{"account_id":"A1","object":{"uuid":"u=="}}}';
const now = new Date('2026-03-01T12:00:00Z');
const ts = String(Math.floor(now.getTime() / 1000));
const headers = (over: Record<string, string> = {}) => ({ 'x-zm-request-timestamp': ts, 'x-zm-signature': signWebhook(secret, ts, rawBody), ...over });

describe('verifyWebhook', () => {
  it('accepts a correctly signed, fresh delivery (string or Buffer body, any header case)', () => {
    expect(verifyWebhook({ rawBody, headers: headers(), secretToken: secret, now })).toMatchObject({ ok: true, timestamp: Number(ts) });
    const upper = { 'X-Zm-Request-Timestamp': ts, 'X-Zm-Signature': signWebhook(secret, ts, rawBody) };
    expect(verifyWebhook({ rawBody: Buffer.from(rawBody), headers: upper, secretToken: secret, now }).ok).toBe(true);
  });

  it('matches Zoom’s documented construction', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = 'v0=' + createHmac('sha256', secret).update(`v0:${ts}:${rawBody}`).digest('hex');
    expect(signWebhook(secret, ts, rawBody)).toBe(expected);
  });

  it('rejects forged signatures, a wrong secret and a tampered body', () => {
    expect(verifyWebhook({ rawBody, headers: headers({ 'x-zm-signature': 'v0=' + '0'.repeat(64) }), secretToken: secret, now })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook({ rawBody, headers: headers({ 'x-zm-signature': 'v0=short' }), secretToken: secret, now })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook({ rawBody, headers: headers(), secretToken: 'other', now })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook({ rawBody: rawBody.replace('u==', 'v=='), headers: headers(), secretToken: secret, now })).toEqual({ ok: false, reason: 'bad_signature' });
    // Re-serialised JSON is not the raw body.
    expect(verifyWebhook({ rawBody: JSON.stringify(JSON.parse(rawBody), null, 1), headers: headers(), secretToken: secret, now }).ok).toBe(false);
  });

  it('rejects missing headers, stale and future timestamps', () => {
    expect(verifyWebhook({ rawBody, headers: { 'x-zm-request-timestamp': ts }, secretToken: secret, now })).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifyWebhook({ rawBody, headers: { 'x-zm-signature': 'v0=x' }, secretToken: secret, now })).toEqual({ ok: false, reason: 'missing_timestamp' });
    expect(verifyWebhook({ rawBody, headers: headers({ 'x-zm-request-timestamp': '12ab' }), secretToken: secret, now })).toEqual({ ok: false, reason: 'bad_timestamp' });
    const old = String(Number(ts) - 301);
    expect(verifyWebhook({ rawBody, headers: headers({ 'x-zm-request-timestamp': old, 'x-zm-signature': signWebhook(secret, old, rawBody) }), secretToken: secret, now })).toEqual({ ok: false, reason: 'stale' });
    const future = String(Number(ts) + 301);
    expect(verifyWebhook({ rawBody, headers: headers({ 'x-zm-request-timestamp': future, 'x-zm-signature': signWebhook(secret, future, rawBody) }), secretToken: secret, now })).toEqual({ ok: false, reason: 'future' });
    expect(verifyWebhook({ rawBody, headers: headers(), secretToken: secret, now: new Date(now.getTime() + 3_600_000), toleranceSeconds: 7200 }).ok).toBe(true);
  });

  it('rejects a replay inside the window with the replay guard', () => {
    const guard = new WebhookReplayGuard({ toleranceSeconds: 300 });
    const v = verifyWebhook({ rawBody, headers: headers(), secretToken: secret, now });
    if (!v.ok) throw new Error('expected a valid delivery');
    expect(guard.accept(v.signature, now)).toBe(true);
    expect(guard.accept(v.signature, new Date(now.getTime() + 10_000))).toBe(false);
    // Only that delivery: another validly signed one (another timestamp) still gets in.
    const ts2 = String(Number(ts) + 5);
    const other = verifyWebhook({ rawBody, headers: headers({ 'x-zm-request-timestamp': ts2, 'x-zm-signature': signWebhook(secret, ts2, rawBody) }), secretToken: secret, now });
    if (!other.ok) throw new Error('expected a valid delivery');
    expect(guard.accept(other.signature, new Date(now.getTime() + 10_000))).toBe(true);
    // Past the window the timestamp check refuses it; the guard forgets it.
    expect(verifyWebhook({ rawBody, headers: headers(), secretToken: secret, now: new Date(now.getTime() + 301_000) })).toEqual({ ok: false, reason: 'stale' });
    expect(guard.accept(v.signature, new Date(now.getTime() + 700_000))).toBe(true);
  });
});

describe('urlValidationResponse', () => {
  it('answers with the hex HMAC of the plain token', async () => {
    const { createHmac } = await import('node:crypto');
    expect(urlValidationResponse('qgg8vlvZRS6UYooatFL8Aw', secret)).toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: createHmac('sha256', secret).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'),
    });
  });
});
