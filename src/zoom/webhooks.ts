/**
 * Zoom webhook verification (REFERENCE §6): `x-zm-signature` over the raw body, a timestamp window,
 * the `endpoint.url_validation` answer, and a replay guard for the receiver.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface VerifyWebhookInput {
  /** The exact bytes received (not re-serialised JSON). */
  rawBody: string | Buffer;
  headers: WebhookHeaders;
  secretToken: string;
  now: Date;
  toleranceSeconds?: number;
}

export type WebhookRejection = 'missing_signature' | 'missing_timestamp' | 'bad_timestamp' | 'stale' | 'future' | 'bad_signature';

export type WebhookVerification = { ok: true; timestamp: number; signature: string } | { ok: false; reason: WebhookRejection };

function header(headers: WebhookHeaders, name: string): string | undefined {
  const direct = headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(direct) ? direct[0] : direct;
}

/** `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{rawBody}` with the tenant's secret token. */
export function signWebhook(secretToken: string, timestamp: string | number, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secretToken);
  mac.update(`v0:${timestamp}:`);
  mac.update(rawBody);
  return `v0=${mac.digest('hex')}`;
}

export function verifyWebhook(input: VerifyWebhookInput): WebhookVerification {
  const signature = header(input.headers, 'x-zm-signature');
  if (!signature) return { ok: false, reason: 'missing_signature' };
  const ts = header(input.headers, 'x-zm-request-timestamp');
  if (!ts) return { ok: false, reason: 'missing_timestamp' };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'bad_timestamp' };
  const timestamp = Number(ts);
  // Zoom publishes no freshness window; five minutes either way is the common practice.
  const tolerance = input.toleranceSeconds ?? 300;
  const age = input.now.getTime() / 1000 - timestamp;
  if (age > tolerance) return { ok: false, reason: 'stale' };
  if (age < -tolerance) return { ok: false, reason: 'future' };
  const want = Buffer.from(signWebhook(input.secretToken, ts, input.rawBody));
  const got = Buffer.from(signature);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, reason: 'bad_signature' };
  return { ok: true, timestamp, signature };
}

/** The answer to `endpoint.url_validation`: hex HMAC-SHA256 of the plain token. */
export function urlValidationResponse(plainToken: string, secretToken: string): { plainToken: string; encryptedToken: string } {
  return { plainToken, encryptedToken: createHmac('sha256', secretToken).update(plainToken).digest('hex') };
}

/**
 * Remembers verified deliveries (by signature, which covers timestamp and body) for the timestamp
 * window, so a captured request replayed inside the window is refused. In memory, per process: a
 * receiver with several replicas also dedupes by event downstream.
 */
export class WebhookReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(private readonly options: { toleranceSeconds?: number; maxEntries?: number } = {}) {}

  /** True the first time a delivery is seen; false for a replay. */
  accept(key: string, now: Date): boolean {
    const windowMs = 2 * (this.options.toleranceSeconds ?? 300) * 1000;
    const t = now.getTime();
    for (const [k, at] of this.seen) {
      if (t - at <= windowMs) break;
      this.seen.delete(k);
    }
    if (this.seen.has(key)) return false;
    this.seen.set(key, t);
    const max = this.options.maxEntries ?? 100_000;
    if (this.seen.size > max) {
      const oldest = this.seen.keys().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    return true;
  }
}
