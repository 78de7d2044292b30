import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { PageQuerySchema, pageSchema, TimestampSchema, text } from '../shared/schemas.js';
import { listAuditLog } from './audit.service.js';

const AuditEventSchema = z
  .object({
    id: z.string(),
    action: z.string(),
    objectType: z.string(),
    objectId: z.string(),
    actor: z.object({ type: z.string(), id: z.string(), name: z.string(), role: z.string() }),
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
    requestId: z.string().nullable(),
    at: TimestampSchema,
  })
  .meta({ id: 'AuditEvent' });

export function auditRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get('/v1/audit-events', {
      schema: {
        tags: ['Audit'],
        summary: 'The append-only audit log, newest first',
        querystring: PageQuerySchema.extend({
          objectType: text(50).optional(),
          objectId: text(64).optional(),
          action: text(100).optional(),
        }),
        response: { 200: pageSchema(AuditEventSchema) },
      },
      handler: async (request) => listAuditLog(deps, requireActor(request), request.query),
    });
  };
}
