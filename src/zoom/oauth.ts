/**
 * Server-to-Server OAuth (account credentials) token of one tenant: cached until shortly before it
 * expires, one token request in flight however many callers wait.
 */
import { request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { ZoomAuthError, ZoomBadResponseError, ZoomServerError } from './errors.js';
import type { Clock } from './rate-limiter.js';

const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
});

/** Treat a token as expired this long before `expires_in` runs out (Zoom's Rivet SDK uses 60 s). */
const EXPIRY_SKEW_MS = 60_000;
const TOKEN_ENDPOINT = 'POST /oauth/token';

export interface TokenProviderOptions {
  tenantId: string;
  accountId: string;
  clientId: string;
  clientSecret: string;
  oauthTokenUrl: string;
  dispatcher: Dispatcher;
  clock: Clock;
  /**
   * Where the credentials live (the tenant's row). When Zoom refuses them, they are read again: a
   * secret rotated and applied since this provider was built is used at once, not after a refused
   * call (that error is final for the activity that drew it).
   */
  reloadCredentials?: () => Promise<{ clientId: string; clientSecret: string }>;
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

export class TokenProvider {
  private cached: CachedToken | undefined;
  private inFlight: Promise<string> | undefined;
  /** Token requests sent (for tests and benchmarks). */
  requests = 0;

  private credentials: { clientId: string; clientSecret: string };

  constructor(private readonly options: TokenProviderOptions) {
    this.credentials = { clientId: options.clientId, clientSecret: options.clientSecret };
  }

  async getToken(): Promise<string> {
    const c = this.cached;
    if (c && c.expiresAt - EXPIRY_SKEW_MS > this.options.clock.now().getTime()) return c.value;
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Zoom refused `token` (401 / code 124): forget it unless a newer one already replaced it. */
  invalidate(token: string): void {
    if (this.cached?.value === token) this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    try {
      return await this.requestToken();
    } catch (err) {
      if (!(err instanceof ZoomAuthError) || !this.options.reloadCredentials) throw err;
      const fresh = await this.options.reloadCredentials();
      if (fresh.clientId === this.credentials.clientId && fresh.clientSecret === this.credentials.clientSecret) throw err;
      this.credentials = fresh;
      return this.requestToken();
    }
  }

  private async requestToken(): Promise<string> {
    const { tenantId, accountId, oauthTokenUrl, dispatcher, clock } = this.options;
    const { clientId, clientSecret } = this.credentials;
    const details = { tenant: tenantId, endpoint: TOKEN_ENDPOINT };
    const basic = Buffer.from(`${clientId}:${clientSecret}`).toString('base64');
    // Zoom's docs put grant_type/account_id in the query; the form body is what Rivet sends and what always works.
    const body = new URLSearchParams({ grant_type: 'account_credentials', account_id: accountId }).toString();
    this.requests += 1;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(oauthTokenUrl, {
        method: 'POST',
        dispatcher,
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
      });
    } catch (cause) {
      throw new ZoomServerError({ ...details, cause });
    }
    const text = await res.body.text();
    const json = safeJson(text);
    if (res.statusCode >= 500) throw new ZoomServerError({ ...details, httpStatus: res.statusCode, ...describeTokenError(json) });
    if (res.statusCode !== 200) {
      throw new ZoomAuthError({ ...details, httpStatus: res.statusCode, ...describeTokenError(json) }, 'rejected the Server-to-Server OAuth credentials');
    }
    const parsed = tokenResponseSchema.safeParse(json);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') ?? '(body)';
      throw new ZoomBadResponseError({ ...details, httpStatus: res.statusCode, problem: `token response field "${field}" is missing or invalid` });
    }
    this.cached = { value: parsed.data.access_token, expiresAt: clock.now().getTime() + parsed.data.expires_in * 1000 };
    return parsed.data.access_token;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The token endpoint's error body is not documented: read `{code,message}` and `{reason,error}` alike. */
function describeTokenError(json: unknown): { zoomCode?: number; zoomMessage?: string } {
  if (!json || typeof json !== 'object') return {};
  const o = json as Record<string, unknown>;
  const code = typeof o.code === 'number' ? o.code : undefined;
  const message = [o.message, o.reason, o.error].find((v): v is string => typeof v === 'string');
  return { ...(code === undefined ? {} : { zoomCode: code }), ...(message === undefined ? {} : { zoomMessage: message }) };
}
