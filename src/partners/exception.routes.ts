import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { IdSchema } from '../shared/schemas.js';
import { ExceptionInputSchema, ExceptionSchema } from './exception.schema.js';
import { createException, listExceptions, revokeException } from './exception.service.js';

/**
 * Partner exceptions: a partner with a rule of its own (another commission or amount, a check
 * switched off). Each has an owner, a reason and an expiry; claims under one are flagged so a
 * person confirms it applies.
 */
export function exceptionRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['Partner exceptions'];
    r.post('/v1/partner-exceptions', {
      config: { permission: 'exceptions:manage' },
      schema: {
        tags,
        summary: 'Give a partner a rule of its own (owner, reason, expiry)',
        body: ExceptionInputSchema,
        response: { 201: ExceptionSchema },
      },
      handler: async (request, reply) =>
        reply.code(201).send(await createException(deps, requireActor(request), request.body)),
    });
    r.get('/v1/partner-exceptions', {
      schema: {
        tags,
        summary: 'Partner exceptions, newest first',
        querystring: z.strictObject({ participantId: IdSchema.optional() }),
        response: { 200: z.object({ items: z.array(ExceptionSchema) }) },
      },
      handler: async (request) => ({ items: await listExceptions(deps, requireActor(request), request.query) }),
    });
    r.post('/v1/partner-exceptions/:id/revoke', {
      config: { permission: 'exceptions:manage' },
      schema: {
        tags,
        summary: 'End an exception now',
        params: z.strictObject({ id: IdSchema }),
        response: { 200: ExceptionSchema },
      },
      handler: async (request) => revokeException(deps, requireActor(request), request.params.id),
    });
  };
}
