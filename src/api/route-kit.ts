import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.js';
import { getTenant, type Tenant } from '../db/queries/tenants.js';
import { TENANT_ID_PATTERN } from '../db/schema/tenants.js';
import { HttpError } from './errors.js';

// What every support route module shares: its dependencies, the tenant in its path, paging, dates.

export interface RouteDeps {
  db: Database;
  temporal: { client: Client; taskQueue: string };
}

export const typed = (scope: FastifyInstance) => scope.withTypeProvider<ZodTypeProvider>();

export const tenantParams = z.object({
  tenant: z.string().regex(TENANT_ID_PATTERN, 'a tenant id: lower-case letters, digits and inner dashes').describe('The tenant (Zoom account) id').meta({ examples: ['demo'] }),
});

/** A UTC day, yyyy-mm-dd, that exists on the calendar (not 2026-02-30). */
export const utcDay = (what: string) => z.string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day, yyyy-mm-dd')
  .refine((d) => { const t = Date.parse(`${d}T00:00:00Z`); return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === d && t >= Date.UTC(2000, 0, 1); }, 'not a calendar day (from 2000-01-01)')
  .describe(what);

export const paging = {
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('Rows per page (1-500)'),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0).describe('Rows to skip'),
};

/** The tenant, or a 404 naming it. */
export async function loadTenant(db: Database, tenantId: string): Promise<Tenant> {
  const tenant = await getTenant(db, tenantId);
  if (!tenant) throw new HttpError(404, `unknown tenant '${tenantId}'`);
  return tenant;
}

/** Dates leave the API as ISO 8601 strings (null stays null). */
export const iso = <T extends Date | null | undefined>(d: T): T extends Date ? string : null => (d ? d.toISOString() : null) as never;

/** An instant in a query or body: ISO 8601 with a zone. */
export const instant = (what: string) => z.iso.datetime({ offset: true }).describe(what);

/** Operator routes say so in their config; the OpenAPI document says so in their description. */
export const operator = { role: 'operator' as const };
export const security = [{ apiKey: [] }];

/** The first string holding a NUL character in a request's parts, as `where.path`, or null. */
function nulIn(value: unknown, where: string): string | null {
  if (typeof value === 'string') return value.includes('\0') ? where : null;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = nulIn(v, `${where}.${i}`);
      if (found) return found;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = nulIn(v, `${where}.${k}`);
      if (found) return found;
    }
  }
  return null;
}

/**
 * PostgreSQL text cannot hold NUL: a NUL in a path, query or body is refused with 400 naming the
 * field, before any query could fail on it with a 500.
 */
export function refuseNulCharacters(scope: FastifyInstance): void {
  scope.addHook('preValidation', async (request) => {
    const where = nulIn(request.params, 'params') ?? nulIn(request.query, 'query') ?? nulIn(request.body, 'body');
    if (where) throw new HttpError(400, 'invalid request', [`${where}: NUL characters are not accepted`]);
  });
}
