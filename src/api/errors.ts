import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';

// Every 4xx of the support API is JSON `{ error, details? }`, the details naming the field; the
// same shape for Fastify's own refusals (413 body too large, 415 content type, 404 route).

export const errorSchema = z.object({
  error: z.string(),
  details: z.array(z.string()).optional(),
});
z.globalRegistry.add(errorSchema, { id: 'Error' });

/** The error responses a route may give, for its OpenAPI entry. */
export const errorResponses = {
  400: errorSchema.describe('The request is malformed; details name each field'),
  401: errorSchema.describe('No API key, or not a valid one'),
  403: errorSchema.describe('The key may not do this (its role or its tenants)'),
  404: errorSchema.describe('No such tenant or object'),
  413: errorSchema.describe('The body is too large'),
  415: errorSchema.describe('The body\'s content type is not accepted'),
  429: errorSchema.describe('Too many requests for this key (or, without a valid key, this client address); retry after the Retry-After header'),
} as const;

export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string, readonly details?: string[]) {
    super(message);
  }
}

const issuesOf = (validation: readonly { instancePath?: string; message?: string; params?: unknown }[], where: string) =>
  validation.map((v) => `${where}${v.instancePath ? v.instancePath.replace(/\//g, '.') : ''}: ${v.message ?? 'invalid'}`);

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof HttpError) return reply.code(err.statusCode).send({ error: err.message, ...(err.details ? { details: err.details } : {}) });
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'request';
      return reply.code(400).send({ error: `invalid ${where}`, details: issuesOf(err.validation, where) });
    }
    if (isResponseSerializationError(err)) {
      request.log.error({ issues: err.cause.issues, url: request.url }, 'response does not match its schema');
      return reply.code(500).send({ error: 'internal error: the response did not match its schema' });
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own refusals: the body's size, its content type, a body that is not JSON.
      return reply.code(status).send({ error: err.message });
    }
    request.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'internal error; the server log has the details' });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}` }));
}
