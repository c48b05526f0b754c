import { startSimulator } from '../../src/simulator/index.js';
import type { RunningSimulator, SimTenantCredentials, SimulatorOptions } from '../../src/simulator/index.js';

export const START = '2026-03-10T12:00:00Z';

export async function startTestSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  return startSimulator({ now: START, ...options });
}

export function basic(tenant: SimTenantCredentials): string {
  return `Basic ${Buffer.from(`${tenant.clientId}:${tenant.clientSecret}`).toString('base64')}`;
}

export async function getToken(tenant: SimTenantCredentials): Promise<string> {
  const res = await fetch(tenant.oauthTokenUrl, {
    method: 'POST',
    headers: { authorization: basic(tenant), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'account_credentials', account_id: tenant.accountId }),
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

// Response bodies are read loosely in tests; the conformance test checks their shapes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = any;

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** GET (or another method) on the simulator's API with a bearer token; JSON body parsed. */
export async function api<T = JsonBody>(tenant: SimTenantCredentials, token: string | null, path: string, init: RequestInit = {}): Promise<ApiResponse<T>> {
  const res = await fetch(`${tenant.apiBaseUrl}${path}`, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string> | undefined) },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T };
}

/** Walks a listing to its end, returning every page body. */
export async function allPages(tenant: SimTenantCredentials, token: string, path: string): Promise<JsonBody[]> {
  const pages: JsonBody[] = [];
  let next = '';
  do {
    const sep = path.includes('?') ? '&' : '?';
    const res = await api(tenant, token, `${path}${next ? `${sep}next_page_token=${encodeURIComponent(next)}` : ''}`);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    pages.push(res.body);
    next = res.body.next_page_token as string;
  } while (next !== '');
  return pages;
}

/** Zoom's rule: UUIDs that start with '/' or contain '//' are encoded twice. */
export function encodeUuid(uuid: string): string {
  const once = encodeURIComponent(uuid);
  return uuid.startsWith('/') || uuid.includes('//') ? encodeURIComponent(once) : once;
}

/** A call to the simulator's `/_sim` control API over HTTP; throws unless it answers `expect` (default 200). */
export async function simControl<T = JsonBody>(sim: { baseUrl: string }, method: string, path: string, body?: unknown, expectStatus = 200): Promise<T> {
  const res = await fetch(`${sim.baseUrl}/_sim${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status !== expectStatus) throw new Error(`${method} /_sim${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}
