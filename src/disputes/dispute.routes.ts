import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { pageSchema } from '../shared/schemas.js';
import {
  DisputeListQuerySchema,
  DisputeParamsSchema,
  DisputeSchema,
  OpenDisputeSchema,
  ResolveDisputeSchema,
} from './dispute.schema.js';
import { getDispute, listDisputes, openDisputeByHand, resolveDispute } from './dispute.service.js';

export function disputeRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['Disputes'];
    r.get('/v1/disputes', {
      schema: {
        tags,
        summary: 'Attribution disputes, newest first',
        querystring: DisputeListQuerySchema,
        response: { 200: pageSchema(DisputeSchema) },
      },
      handler: async (request) => listDisputes(deps, requireActor(request), request.query),
    });
    r.get('/v1/disputes/:id', {
      schema: {
        tags,
        summary: 'A dispute with the competing referrals side by side',
        params: DisputeParamsSchema,
        response: { 200: DisputeSchema },
      },
      handler: async (request) => getDispute(deps, requireActor(request), request.params.id),
    });
    r.post('/v1/disputes', {
      config: { permission: 'disputes:open' },
      schema: {
        tags,
        summary: 'Open a dispute about who referred a customer',
        body: OpenDisputeSchema,
        response: { 201: DisputeSchema },
      },
      handler: async (request, reply) =>
        reply.code(201).send(await openDisputeByHand(deps, requireActor(request), request.body)),
    });
    r.post('/v1/disputes/:id/resolve', {
      config: { permission: 'disputes:resolve' },
      schema: {
        tags,
        summary: 'Decide a dispute: who wins and why (the claim is re-checked)',
        params: DisputeParamsSchema,
        body: ResolveDisputeSchema,
        response: { 200: DisputeSchema },
      },
      handler: async (request) => resolveDispute(deps, requireActor(request), request.params.id, request.body),
    });
  };
}
