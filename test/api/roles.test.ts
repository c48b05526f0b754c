import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/api/access.js';
import { revokeApiKey } from '../../src/db/queries/api-access.js';
import { upsertTenant } from '../../src/db/queries/tenants.js';
import { startTestApi, type TestApi } from './helpers.js';

// Every support route, as the running server registers it, against every kind of caller. The
// expectation is the documented rule (docs/operations.md, "Keys and roles"), not the route's own
// config: a viewer reads (GET), every other method needs an operator, and a key limited to other
// tenants is refused a tenant's routes. A new route that forgets its role fails here.

/** Routes outside the support API's keys: health, the OpenAPI document, Swagger UI, Zoom's webhooks. */
const OPEN = /^\/(healthz|readyz|openapi\.json|docs|webhooks)(\/|$)/;

/** A value for each path parameter; a route with a new parameter fails until it has one here. */
const SAMPLE_PARAMS: Record<string, string> = {
  tenant: 'acme',
  fileId: '00000000-0000-4000-8000-000000000001',
  requestId: '00000000-0000-4000-8000-000000000002',
  family: 'meetings',
  day: '2026-11-30',
  schedule: 'archiving',
};

interface Route { method: string; url: string }

let api: TestApi;
const routes: Route[] = [];
const keys: Record<'viewer' | 'operator' | 'otherTenantOperator' | 'revoked', string> = { viewer: '', operator: '', otherTenantOperator: '', revoked: '' };

const tenantInput = (id: string) => ({ id, name: id, zoomAccountId: `acc-${id}`, zoomClientId: 'cid', zoomClientSecret: 'secret', archivingEnabled: true });

beforeAll(async () => {
  api = await startTestApi('api-roles', {
    beforeListen: (app) => app.addHook('onRoute', (route: RouteOptions) => {
      for (const method of [route.method].flat()) {
        if (method !== 'HEAD' && !OPEN.test(route.url)) routes.push({ method, url: route.url });
      }
    }),
  });
  await upsertTenant(api.database.db, api.secrets, tenantInput('acme'));
  await upsertTenant(api.database.db, api.secrets, tenantInput('globex'));
  keys.viewer = (await issueApiKey(api.database.db, { name: 'vera', role: 'viewer', tenants: null })).token;
  keys.operator = (await issueApiKey(api.database.db, { name: 'otto', role: 'operator', tenants: null })).token;
  keys.otherTenantOperator = (await issueApiKey(api.database.db, { name: 'gus', role: 'operator', tenants: ['globex'] })).token;
  const revoked = await issueApiKey(api.database.db, { name: 'rex', role: 'operator', tenants: null });
  await revokeApiKey(api.database.db, revoked.id);
  keys.revoked = revoked.token;
});
afterAll(async () => {
  await api?.close();
});

function pathOf(url: string): string {
  return url.replace(/:(\w+)/g, (_, name: string) => {
    const value = SAMPLE_PARAMS[name];
    if (value === undefined) throw new Error(`no sample value for the path parameter :${name} of ${url}: add one to SAMPLE_PARAMS`);
    return value;
  });
}

async function send(route: Route, token?: string): Promise<number> {
  const res = await fetch(`${api.baseUrl}${pathOf(route.url)}`, {
    method: route.method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(route.method === 'GET' ? {} : { 'content-type': 'application/json' }) },
    ...(route.method === 'GET' ? {} : { body: '{}' }),
  });
  await res.arrayBuffer();
  return res.status;
}

const needsOperator = (route: Route) => route.method !== 'GET';
const isTenantRoute = (route: Route) => route.url.includes(':tenant');
const name = (route: Route) => `${route.method} ${route.url}`;
// Past access control: what a route answers then (a 404, a 400, a 503 without a worker) is not this test's.
const admitted = (status: number) => status !== 401 && status !== 403;

describe('roles on every support route', () => {
  it('finds the routes the server registers, both kinds among them', () => {
    expect(routes.filter(needsOperator).length).toBeGreaterThanOrEqual(8);
    expect(routes.filter((r) => !needsOperator(r)).length).toBeGreaterThanOrEqual(8);
    expect(routes.map(name)).toEqual(expect.arrayContaining(['POST /api/tenants/:tenant/recovery/timeframe', 'GET /api/tenants/:tenant/status']));
  });

  it('answers 401 without a key and to a revoked key, on every route', async () => {
    for (const route of routes) {
      expect(await send(route), `${name(route)} without a key`).toBe(401);
      expect(await send(route, keys.revoked), `${name(route)} with a revoked key`).toBe(401);
    }
  });

  it('lets a viewer read and refuses it every change with 403', async () => {
    for (const route of routes) {
      const status = await send(route, keys.viewer);
      if (needsOperator(route)) expect(status, `${name(route)} as a viewer`).toBe(403);
      else expect(admitted(status), `${name(route)} as a viewer answered ${status}`).toBe(true);
    }
  });

  it('refuses an operator of another tenant every route of this one with 403', async () => {
    for (const route of routes.filter(isTenantRoute)) {
      expect(await send(route, keys.otherTenantOperator), `${name(route)} as globex's operator`).toBe(403);
    }
  });

  it('admits an operator everywhere', async () => {
    for (const route of routes) {
      const status = await send(route, keys.operator);
      expect(admitted(status), `${name(route)} as an operator answered ${status}`).toBe(true);
    }
  });
});
