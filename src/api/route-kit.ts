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

export type ApiScope = ReturnType<FastifyInstance['withTypeProvider']> & FastifyInstance;
export const typed = (scope: FastifyInstance) => scope.withTypeProvider<ZodTypeProvider>();

export const tenantParams = z.object({
  tenant: z.string().regex(TENANT_ID_PATTERN, 'a tenant id: lower-case letters, digits and inner dashes').describe('The tenant (Zoom account) id'),
});

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
