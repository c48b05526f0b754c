import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';

/** The support API. Later issues add webhooks, recovery and status routes. */
export function createApiServer(): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.API_PORT ?? 3000);
  const app = createApiServer();
  await app.listen({ host: '0.0.0.0', port });
  console.log(`API listening on :${port}`);
}
