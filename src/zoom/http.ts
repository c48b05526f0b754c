/**
 * One Zoom API call: pacing, bearer token, Zoom's error body mapped to typed errors, and the retries
 * that belong inside the client (token refresh once, per-second 429 after Retry-After, short 5xx bursts).
 */
import { request, type Dispatcher } from 'undici';
import type { ApiFamily, RateCategory } from './config.js';
import {
  ZoomAuthError,
  ZoomBadResponseError,
  ZoomDailyLimitError,
  ZoomNotFoundError,
  ZoomRateLimitedError,
  ZoomRequestError,
  ZoomServerError,
  type ZoomError,
  type ZoomErrorDetails,
} from './errors.js';
import type { TokenProvider } from './oauth.js';
import { dailyResetTime, parseRetryAfter, type Clock, type Pacer } from './rate-limiter.js';
import type { UsageCounters } from './usage.js';

export type QueryValue = string | number | boolean | undefined;

export interface ApiCall {
  method: 'GET' | 'DELETE';
  /** Path below the API base, with ids already encoded (see `encodeMeetingId`). */
  path: string;
  query?: Record<string, QueryValue>;
  family: ApiFamily;
  category: RateCategory;
}

export interface ApiResponse {
  status: number;
  /** Parsed JSON body; undefined for 204. */
  body: unknown;
}

export interface RetryOptions {
  /** Attempts after a 5xx or network failure before ZoomServerError. */
  serverRetries: number;
  /** Attempts after a per-second 429 before ZoomRateLimitedError. */
  rateLimitRetries: number;
  /** First backoff after a 5xx; doubles per attempt, with jitter. */
  serverBackoffMs: number;
  /** A per-second 429 asking for a longer pause than this goes back to the caller (activity retry). */
  maxRateLimitWaitMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { serverRetries: 4, rateLimitRetries: 8, serverBackoffMs: 250, maxRateLimitWaitMs: 60_000 };

export interface ZoomHttpOptions {
  tenantId: string;
  apiBaseUrl: string;
  dispatcher: Dispatcher;
  tokens: TokenProvider;
  limiter: Pacer;
  usage: UsageCounters;
  clock: Clock;
  retry: RetryOptions;
  random?: () => number;
}

/** Zoom codes that mean "no such user/meeting/recording" even when sent with HTTP 400. */
const NOT_FOUND_CODES = new Set([1001, 1010, 2001, 3001, 3301]);
/** Token without the scope (4711, observed as HTTP 400) or token problem (4700): configuration, not retry. */
const AUTH_CODES = new Set([4700, 4711, 124]);
/** Per-second 429 with no Retry-After: back off at least a second (REFERENCE §8.5). */
const QPS_DEFAULT_WAIT_MS = 1000;

export interface ZoomErrorBody {
  code?: number;
  message?: string;
}

export function readZoomErrorBody(json: unknown): ZoomErrorBody {
  if (!json || typeof json !== 'object') return {};
  const o = json as Record<string, unknown>;
  return {
    ...(typeof o.code === 'number' ? { code: o.code } : {}),
    ...(typeof o.message === 'string' ? { message: o.message } : {}),
  };
}

export function headerValue(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Maps a non-2xx answer (other than 401 and 429, which the caller handles) to a typed error. */
export function errorForStatus(details: ZoomErrorDetails & { httpStatus: number }): ZoomError {
  const { httpStatus, zoomCode } = details;
  if (httpStatus >= 500) return new ZoomServerError(details);
  if (httpStatus === 404 || (zoomCode !== undefined && NOT_FOUND_CODES.has(zoomCode))) return new ZoomNotFoundError(details);
  if (httpStatus === 401 || httpStatus === 403 || (zoomCode !== undefined && AUTH_CODES.has(zoomCode))) {
    return new ZoomAuthError(details, 'refused the access token');
  }
  return new ZoomRequestError(details);
}

export class ZoomHttp {
  private readonly random: () => number;

  constructor(readonly options: ZoomHttpOptions) {
    this.random = options.random ?? Math.random;
  }

  async call(call: ApiCall): Promise<ApiResponse> {
    const { tenantId, limiter, tokens, usage, clock, retry } = this.options;
    const endpoint = `${call.method} ${call.path}`;
    const base = { tenant: tenantId, endpoint };
    let refreshed = false;
    let serverFailures = 0;
    let rateLimited = 0;
    for (;;) {
      const { dailyBlockedUntil } = await this.acquire(call, endpoint);
      if (dailyBlockedUntil) {
        throw new ZoomDailyLimitError({ ...base, resetsAt: dailyBlockedUntil, category: call.category, zoomMessage: 'daily quota spent earlier (not sent)' });
      }
      const token = await tokens.getToken();
      let res: Dispatcher.ResponseData;
      try {
        res = await request(this.url(call), {
          method: call.method,
          dispatcher: this.options.dispatcher,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
          headersTimeout: 30_000,
          bodyTimeout: 60_000,
        });
      } catch (cause) {
        if (serverFailures++ < retry.serverRetries) {
          await clock.sleep(this.backoff(serverFailures));
          continue;
        }
        throw new ZoomServerError({ ...base, cause });
      }
      const status = res.statusCode;
      let json: unknown;
      try {
        const text = await res.body.text();
        json = text === '' ? undefined : (JSON.parse(text) as unknown);
      } catch (cause) {
        // A 2xx that is not JSON is a bad response; an error page that is not JSON is still an error.
        if (status < 300) throw new ZoomBadResponseError({ ...base, httpStatus: status, problem: 'body is not JSON', cause, retryable: true });
        json = undefined;
      }
      usage.record(clock.now(), call.family, call.category, status === 429 ? 'rate_limited' : 'ok');
      if (status >= 200 && status < 300) return { status, body: json };

      const zb = readZoomErrorBody(json);
      const details = { ...base, httpStatus: status, zoomCode: zb.code, zoomMessage: zb.message };
      if (status === 401 && !refreshed) {
        // Zoom quirk: tokens expire or are revoked early (code 124); fetch a new one, once.
        tokens.invalidate(token);
        refreshed = true;
        continue;
      }
      if (status === 429) {
        const retryAfter = headerValue(res.headers, 'retry-after');
        if (isDailyLimit(headerValue(res.headers, 'x-ratelimit-type'), zb.message)) {
          // Zoom quirk: a daily-limit Retry-After is a date (next 00:00 UTC), or absent.
          const resetsAt = dailyResetTime(retryAfter, clock.now());
          try {
            await limiter.blockDaily(call.family, resetsAt);
          } catch {
            // The daily-limit error below is what the activity needs; other workers meet the limit themselves.
          }
          throw new ZoomDailyLimitError({ ...details, resetsAt, category: call.category });
        }
        const wait = (parseRetryAfter(retryAfter, clock.now()) ?? QPS_DEFAULT_WAIT_MS) + Math.floor(this.random() * 250);
        if (rateLimited++ < retry.rateLimitRetries && wait <= retry.maxRateLimitWaitMs) {
          await limiter.pause(call.family, call.category, wait);
          continue;
        }
        throw new ZoomRateLimitedError({ ...details, retryAfterMs: wait });
      }
      if (status >= 500 && serverFailures++ < retry.serverRetries) {
        await clock.sleep(this.backoff(serverFailures));
        continue;
      }
      throw errorForStatus(details);
    }
  }

  /** A pacer that cannot answer (the shared one's database is down) fails the call rather than send it unpaced. */
  private async acquire(call: ApiCall, endpoint: string): Promise<{ dailyBlockedUntil?: Date }> {
    try {
      return await this.options.limiter.acquire(call.family, call.category);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new Error(`Zoom call not sent for tenant "${this.options.tenantId}" on ${endpoint}: its rate limiter could not pace it (${reason})`, { cause });
    }
  }

  private url(call: ApiCall): string {
    const url = new URL(this.options.apiBaseUrl.replace(/\/+$/, '') + call.path);
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.toString();
  }

  private backoff(attempt: number): number {
    return backoffDelay(attempt, this.options.retry.serverBackoffMs, this.random);
  }
}

/** Exponential backoff with jitter: attempt 1 waits base/2..base, doubling, capped at 5 s. */
export function backoffDelay(attempt: number, baseMs: number, random: () => number): number {
  const ceiling = Math.min(5_000, baseMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** `X-RateLimit-Type: Daily-limit`, or Zoom's message naming the daily limit when the header is missing. */
export function isDailyLimit(type: string | undefined, message: string | undefined): boolean {
  if (type !== undefined) return /daily/i.test(type);
  return message !== undefined && /daily/i.test(message);
}
