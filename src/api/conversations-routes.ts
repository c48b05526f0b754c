import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { listConversations } from '../db/queries/conversations.js';
import { getTenant } from '../db/queries/tenants.js';
import { formatMediaLength } from '../ingest/phone-cdr.js';

// Support's view of a tenant's CDRs (`GET /api/tenants/:tenant/conversations`), with the fields of
// the archiving product this replaces; media length in its hhh:mm:ss form.

const querySchema = z.strictObject({
  source: z.enum(['meeting', 'phone']).optional(),
  /** Started at or after (ISO 8601). */
  from: z.iso.datetime({ offset: true }).optional(),
  /** Started before. */
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export function registerConversationRoutes(api: FastifyInstance, deps: { db: Database }): void {
  api.get<{ Params: { tenant: string } }>('/tenants/:tenant/conversations', async (request, reply) => {
    const tenant = await getTenant(deps.db, request.params.tenant);
    if (!tenant) return reply.code(404).send({ error: `unknown tenant '${request.params.tenant}'` });
    const query = querySchema.safeParse(request.query);
    if (!query.success) return reply.code(400).send({ error: 'invalid query', details: query.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    const { source, from, to, limit, offset } = query.data;
    const rows = await listConversations(deps.db, tenant.id, {
      ...(source ? { sourcePlatform: source === 'phone' ? 'Zoom Phone' as const : 'Zoom Meeting' as const } : {}),
      ...(from ? { from: new Date(from) } : {}),
      ...(to ? { to: new Date(to) } : {}),
      limit,
      offset,
    });
    return {
      tenant: tenant.id,
      conversations: rows.map(({ tenantId: _tenant, id: _id, ...cdr }) => ({
        ...cdr,
        mediaLength: cdr.mediaLengthSeconds === null ? null : formatMediaLength(cdr.mediaLengthSeconds),
      })),
    };
  });
}
