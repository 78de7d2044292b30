import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { PageQuerySchema, pageSchema } from '../shared/schemas.js';
import { ApprovalItemSchema } from './approval.schema.js';
import { listApprovals } from './approval.service.js';

export function approvalRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get('/v1/approvals', {
      config: { permission: 'rewards:approve' },
      schema: {
        tags: ['Approvals'],
        summary: 'Claims waiting for approval, oldest first, with evidence, flags and blockers',
        querystring: PageQuerySchema,
        response: { 200: pageSchema(ApprovalItemSchema) },
      },
      handler: async (request) => listApprovals(deps, requireActor(request), request.query),
    });
  };
}
