import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { requireActor } from '../http/auth.js';
import { IdSchema, pageSchema } from '../shared/schemas.js';
import { ReferralCreateSchema, ReferralListQuerySchema, ReferralSchema } from './referral.schema.js';
import { createReferral, getReferral, listReferrals } from './referral.service.js';

export function referralRoutes(deps: Deps) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const tags = ['Referrals'];
    r.post('/v1/referrals', {
      config: { permission: 'referrals:write' },
      schema: {
        tags,
        summary: 'Record a referral (referrer → referred customer)',
        description:
          'Staff attribute by hand ("she said Jessica sent her") with source `manual`. If the customer already converted, the claim is made now; a second referrer for the same customer opens a dispute.',
        body: ReferralCreateSchema,
        response: { 201: ReferralSchema },
      },
      handler: async (request, reply) =>
        reply.code(201).send(await createReferral(deps, requireActor(request), request.body)),
    });
    r.get('/v1/referrals', {
      schema: {
        tags,
        summary: 'List referrals, newest first',
        querystring: ReferralListQuerySchema,
        response: { 200: pageSchema(ReferralSchema) },
      },
      handler: async (request) => listReferrals(deps, requireActor(request), request.query),
    });
    r.get('/v1/referrals/:id', {
      schema: {
        tags,
        summary: 'Get a referral',
        params: z.strictObject({ id: IdSchema }),
        response: { 200: ReferralSchema },
      },
      handler: async (request) => getReferral(deps, requireActor(request), request.params.id),
    });
  };
}
