import { createHmac, randomBytes } from 'node:crypto';
import type { SimTenant } from './model.js';

export type TokenKind = 'access' | 'download';

interface IssuedToken {
  accountId: string;
  kind: TokenKind;
  expiresAtMs: number;
  revoked: boolean;
  /** Download tokens for one meeting's files (download_access_token); null = any file of the account. */
  meetingUuid: string | null;
}

export type TokenCheck =
  | { ok: true; accountId: string; kind: TokenKind; meetingUuid: string | null }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

/** Tokens the simulator issued, checked against the simulated clock. */
export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly key = randomBytes(32);

  issue(accountId: string, kind: TokenKind, lifetimeMs: number, nowMs: number, meetingUuid: string | null = null): string {
    // JWT-looking, like Zoom's, but opaque to clients: only this store can vouch for it.
    const header = Buffer.from(JSON.stringify({ alg: 'HS512', v: '2.0', kid: 'sim' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ aid: accountId, typ: kind, exp: Math.floor((nowMs + lifetimeMs) / 1000), jti: randomBytes(9).toString('base64url') })).toString('base64url');
    const token = `${header}.${payload}.${createHmac('sha512', this.key).update(`${header}.${payload}`).digest('base64url')}`;
    this.tokens.set(token, { accountId, kind, expiresAtMs: nowMs + lifetimeMs, revoked: false, meetingUuid });
    return token;
  }

  check(token: string | null, nowMs: number): TokenCheck {
    if (!token) return { ok: false, reason: 'missing' };
    const found = this.tokens.get(token);
    if (!found || found.revoked) return { ok: false, reason: 'invalid' };
    if (found.expiresAtMs <= nowMs) return { ok: false, reason: 'expired' };
    return { ok: true, accountId: found.accountId, kind: found.kind, meetingUuid: found.meetingUuid };
  }

  revoke(token: string): void {
    const found = this.tokens.get(token);
    if (found) found.revoked = true;
  }

  revokeAccount(accountId: string): void {
    for (const t of this.tokens.values()) if (t.accountId === accountId && t.kind === 'access') t.revoked = true;
  }

  /** Forget expired tokens so a long-running simulator does not grow without bound. */
  sweep(nowMs: number): void {
    for (const [token, t] of this.tokens) if (t.expiresAtMs < nowMs - 86_400_000) this.tokens.delete(token);
  }
}

export const SCOPES = [
  'cloud_recording:read:list_user_recordings:admin',
  'cloud_recording:read:list_recording_files:admin',
  'cloud_recording:delete:meeting_recording:admin',
  'cloud_recording:delete:recording_file:admin',
  'archiving:read:list_archived_files:admin',
  'archiving:read:archived_files:admin',
  'dashboard:read:list_meetings:admin',
  'dashboard:read:list_meeting_participants:admin',
  'dashboard:read:list_meeting_participants_qos:admin',
  'meeting:read:past_meeting:admin',
  'meeting:read:list_past_participants:admin',
  'phone:read:list_call_recordings:admin',
  'phone:read:list_recordings:admin',
  'phone:read:list_call_logs:admin',
  'user:read:list_users:admin',
].join(' ');

export interface TokenRequest {
  authorization: string | undefined;
  query: URLSearchParams;
  /** Form-encoded body (may be empty: Zoom's docs put the parameters in the query string). */
  form: URLSearchParams;
}

export type TokenResponse = { status: number; body: Record<string, unknown> };

/** POST /oauth/token with grant_type=account_credentials (Server-to-Server OAuth, REFERENCE.md §1). */
export function handleTokenRequest(
  request: TokenRequest, tenants: ReadonlyMap<string, SimTenant>, store: TokenStore,
  lifetimeSeconds: number, nowMs: number, apiUrl: string,
): TokenResponse {
  // Zoom quirk: parameters may come in the form body (Rivet SDK) or the query string (docs).
  const param = (name: string): string | null => request.form.get(name) ?? request.query.get(name);
  const grantType = param('grant_type');
  const accountId = param('account_id');
  const basic = /^Basic\s+(.+)$/i.exec(request.authorization ?? '');
  if (!basic?.[1] || !grantType) {
    return { status: 400, body: { reason: 'Missing client id/secret or grant type', error: 'invalid_request' } };
  }
  if (grantType !== 'account_credentials') {
    return { status: 400, body: { reason: 'Unsupported grant type', error: 'unsupported_grant_type' } };
  }
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const clientId = decoded.slice(0, colon);
  const clientSecret = decoded.slice(colon + 1);
  const tenant = [...tenants.values()].find((t) => t.clientId === clientId);
  if (!tenant || colon < 0 || tenant.clientSecret !== clientSecret) {
    return { status: 401, body: { reason: 'Invalid client_id or client_secret', error: 'invalid_client' } };
  }
  if (!accountId || accountId !== tenant.accountId) {
    return { status: 400, body: { reason: 'Invalid account_id or account_id is missing', error: 'invalid_request' } };
  }
  const token = store.issue(tenant.accountId, 'access', lifetimeSeconds * 1000, nowMs);
  return {
    status: 200,
    body: { access_token: token, token_type: 'bearer', expires_in: lifetimeSeconds, scope: SCOPES, api_url: apiUrl },
  };
}
