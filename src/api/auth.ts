import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

// Bearer tokens for the support API. Zoom's webhooks are not behind this: Zoom cannot send our
// tokens, so they are verified by their HMAC signature instead (webhooks.ts).

/** `API_TOKENS` as a list: comma-separated, blanks ignored. */
export function parseApiTokens(value: string | undefined): string[] {
  return (value ?? '').split(',').map((t) => t.trim()).filter((t) => t.length > 0);
}

// Hashing first gives equal-length buffers, so timingSafeEqual never leaks a token's length.
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** True when `presented` is one of the tokens; every token is compared, in constant time each. */
function isValidToken(presented: string, tokenDigests: readonly Buffer[]): boolean {
  const got = digest(presented);
  let ok = false;
  for (const want of tokenDigests) ok = timingSafeEqual(got, want) || ok;
  return ok;
}

/** An onRequest hook that answers 401 unless `Authorization: Bearer <one of tokens>`. */
export function requireBearerToken(tokens: readonly string[]) {
  const digests = tokens.map(digest);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (digests.length === 0) {
      return reply.code(401).send({ error: 'the support API has no tokens configured: set API_TOKENS on the server' });
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match?.[1]) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'missing bearer token: send Authorization: Bearer <token>' });
    }
    if (!isValidToken(match[1], digests)) {
      return reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send({ error: 'invalid bearer token' });
    }
  };
}
