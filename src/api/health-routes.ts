import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { typed, type RouteDeps } from './route-kit.js';

// Liveness (the process answers) and readiness (its database and Temporal answer), for a load
// balancer or an orchestrator; open, like Zoom's webhooks, and saying nothing secret.

const check = z.object({ ok: z.boolean(), error: z.string().optional() });
const readiness = z.object({ status: z.enum(['ready', 'not_ready']), database: check, temporal: check });

async function probe(work: () => Promise<unknown>): Promise<z.infer<typeof check>> {
  try {
    await Promise.race([work(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 3 s')), 3_000).unref())]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message.split('\n')[0]!.slice(0, 200) };
  }
}

export function registerHealthRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const api = typed(app);
  api.get('/healthz', { schema: { summary: 'The process answers', tags: ['health'], response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({ status: 'ok' as const }));
  api.get('/readyz', {
    schema: { summary: 'The database and Temporal answer', tags: ['health'], response: { 200: readiness, 503: readiness } },
  }, async (_request, reply) => {
    const [database, temporal] = await Promise.all([
      probe(() => deps.db.execute(sql`select 1`)),
      probe(() => deps.temporal.client.workflowService.getSystemInfo({})),
    ]);
    const ready = database.ok && temporal.ok;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' as const : 'not_ready' as const, database, temporal });
  });
}
